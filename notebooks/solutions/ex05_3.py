def step_verdicts(first_wrong_step, step_count):
    if first_wrong_step is None:
        return ["right"] * step_count
    verdicts = []
    for number in range(1, step_count + 1):
        if number < first_wrong_step:
            verdicts.append("right")
        elif number == first_wrong_step:
            verdicts.append("wrong")
        else:
            verdicts.append("unsure")
    return verdicts
