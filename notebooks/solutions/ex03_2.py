import re

STEP_KEY = re.compile(r"step[ _]?(\d+)", re.IGNORECASE)


def order_steps(keys):
    numbered = []
    for key in keys:
        found = STEP_KEY.fullmatch(key.strip())
        if found:
            numbered.append((int(found.group(1)), key))
    return [key for _, key in sorted(numbered)]
