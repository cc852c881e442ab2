import json
import re

# strict=False: raw line breaks inside strings are read as they are
DECODER = json.JSONDecoder(strict=False)


def parse_steps(text):
    for brace in re.finditer(r"\{", text):  # the first object wins
        try:
            data, _end = DECODER.raw_decode(text, brace.start())
        except json.JSONDecodeError:
            continue
        if isinstance(data, dict) and data:
            break
    else:
        raise ValueError("no JSON object found in the reply")
    steps = data.get("steps")
    if not isinstance(steps, list) or not steps:
        raise ValueError("the JSON has no steps")
    result = data.get("result")
    if result is None or not str(result).strip():
        raise ValueError("the JSON has no result")
    return [str(step) for step in steps], str(result)
