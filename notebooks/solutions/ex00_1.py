import helpers

client = helpers.get_client()
first_reply = client.chat.completions.create(
    model=helpers.default_model(),
    messages=[
        {"role": "user", "content": "Reply with the single word: pong"}
    ],
    max_tokens=5,
)
