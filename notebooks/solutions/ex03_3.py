import helpers


def trusted_answer(reply):
    choice = reply.choices[0]
    if choice.finish_reason == "length":
        raise ValueError("the reply was cut off at max_tokens: ask again with a larger limit")
    if choice.finish_reason == "content_filter":
        raise ValueError("the server's content filter stopped the reply")
    if choice.message.refusal:
        raise ValueError("the model refused: " + " ".join(choice.message.refusal.split()))
    return helpers.parse_reasoning(choice.message.content or "")
