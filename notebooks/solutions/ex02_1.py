SYSTEM = (
    "Think step by step before you answer. Reply with JSON only, "
    'shaped like {"steps": ["first step", "second step"], '
    '"result": "the final answer"}. '
    "Keep each step short, and put only the answer in result."
)


def build_messages(question):
    return [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": question},
    ]
