def read_reply(response_json):
    choice = response_json["choices"][0]
    text = choice["message"]["content"]
    return text, choice["finish_reason"], response_json["usage"]["total_tokens"]
