def still_to_run(planned, results):
    done = {
        (row["problem_id"], row["strategy"], row["sample"])
        for row in results
        if row.get("error_kind") != "call"
    }
    return [key for key in planned if key not in done]
