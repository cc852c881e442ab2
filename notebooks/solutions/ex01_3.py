def cost_in_dollars(
    prompt_tokens, completion_tokens, input_price, output_price
):
    dollars_in = prompt_tokens * input_price
    dollars_out = completion_tokens * output_price
    return (dollars_in + dollars_out) / 1_000_000
