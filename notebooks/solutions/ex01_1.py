def chat_body(question, system=None, temperature=None):
    messages = []
    if system is not None:
        messages.append({"role": "system", "content": system})
    messages.append({"role": "user", "content": question})
    # MODEL: set in the notebook's first cell
    body = {"model": MODEL, "messages": messages}
    # not `if temperature:`, which would drop temperature=0
    if temperature is not None:
        body["temperature"] = temperature
    return body
