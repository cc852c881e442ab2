import re

LINES = re.IGNORECASE | re.MULTILINE


def parse_action(text):
    # from a self-written "Observation:" on, nothing is the model's to say
    text = re.split(r"^\s*Observation:", text, maxsplit=1, flags=LINES)[0]
    action = re.search(r"^\s*Action:(.*)$", text, LINES)
    action_input = re.search(r"^\s*Action Input:(.*)$", text, LINES)
    if action is None or action_input is None:
        return None
    return action.group(1).strip(), action_input.group(1).strip()
