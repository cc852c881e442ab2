def cost_in_dollars(prompt_tokens, completion_tokens, input_price, output_price):
    return (prompt_tokens * input_price + completion_tokens * output_price) / 1_000_000
