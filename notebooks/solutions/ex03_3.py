import helpers


def trusted_answer(reply):
    choice = reply.choices[0]
    if choice.finish_reason == "length":
        raise ValueError("cut off at max_tokens: allow more tokens")
    if choice.finish_reason == "content_filter":
        raise ValueError("the server's content filter stopped the reply")
    if choice.message.refusal:
        refusal = " ".join(choice.message.refusal.split())
        raise ValueError("the model refused: " + refusal)
    return helpers.parse_reasoning(choice.message.content or "")
