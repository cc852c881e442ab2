import re


def parse_action(text):
    # anything from a self-written "Observation:" on is not the model's to write
    text = re.split(r"^\s*Observation:", text, maxsplit=1, flags=re.IGNORECASE | re.MULTILINE)[0]
    action = re.search(r"^\s*Action:(.*)$", text, re.IGNORECASE | re.MULTILINE)
    action_input = re.search(r"^\s*Action Input:(.*)$", text, re.IGNORECASE | re.MULTILINE)
    if action is None or action_input is None:
        return None
    return action.group(1).strip(), action_input.group(1).strip()
