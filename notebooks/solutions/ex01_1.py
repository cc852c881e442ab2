def chat_body(question, system=None, temperature=None):
    messages = []
    if system is not None:
        messages.append({"role": "system", "content": system})
    messages.append({"role": "user", "content": question})
    body = {"model": "gpt-4o-mini", "messages": messages}
    if temperature is not None:
        body["temperature"] = temperature
    return body
