"""URL building blocks shared by every blueprint."""

MAX_DB_ID = 2**31 - 1


def db_id(name: str) -> str:
    """A URL segment for a database id, e.g. "<int(max=2147483647):trainer_id>".

    Ids beyond a 32-bit integer cannot exist: the cap makes them a plain 404 rather
    than an overflow deep in the database driver.
    """
    return f"<int(max={MAX_DB_ID}):{name}>"
