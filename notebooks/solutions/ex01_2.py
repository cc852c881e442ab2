def read_reply(response_json):
    choice = response_json["choices"][0]
    text = choice["message"]["content"]
    total = response_json["usage"]["total_tokens"]
    return text, choice["finish_reason"], total
