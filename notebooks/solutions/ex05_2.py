def loop_input_tokens(prefix_tokens, step_tokens, steps):
    # call k sends the prefix and the k - 1 steps written before it
    return sum(
        prefix_tokens + (k - 1) * step_tokens for k in range(1, steps + 1)
    )
