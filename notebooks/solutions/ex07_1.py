import re


def check_yes_no(answer, result):
    words = re.findall(r"[a-z]+", str(result).lower())
    said = {word for word in words if word in ("yes", "no")}
    return said == {answer.lower()}
