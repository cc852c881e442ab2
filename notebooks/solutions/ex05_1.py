from collections import Counter

import helpers


def majority_vote(results):
    votes = Counter()
    first_written = {}
    for result in results:
        key = helpers.normalize_result(result)
        if not key:
            continue  # an empty result does not vote
        votes[key] += 1
        first_written.setdefault(key, result)
    if not votes:
        return None, 0
    # on a tie, the key counted first wins
    key, count = votes.most_common(1)[0]
    return first_written[key], count
