import json


def read_steps(reply_text):
    data = json.loads(reply_text)
    return [str(step) for step in data["steps"]], str(data["result"])
