import datetime as dt


def days_between(start: str, end: str) -> str:
    """Count the days from one date to another and return the number as
    text (negative when end comes before start). Example:
    days_between("2024-01-01", "2024-03-01") returns "60".

    Args:
        start: The first date, as YYYY-MM-DD, for example "2024-01-01".
        end: The second date, as YYYY-MM-DD, for example "2024-03-01".
    """
    try:
        first = dt.date.fromisoformat(start.strip())
        second = dt.date.fromisoformat(end.strip())
    except ValueError:
        return (
            "Error: write both dates as YYYY-MM-DD "
            f"(got {start!r} and {end!r})."
        )
    return str((second - first).days)
