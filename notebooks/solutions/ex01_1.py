def chat_body(question, system=None, temperature=None):
    messages = []
    if system is not None:
        messages.append({"role": "system", "content": system})
    messages.append({"role": "user", "content": question})
    body = {"model": MODEL, "messages": messages}  # MODEL: set in the notebook's first cell
    if temperature is not None:  # not `if temperature:`, which would drop temperature=0
        body["temperature"] = temperature
    return body
