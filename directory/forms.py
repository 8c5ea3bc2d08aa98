"""What the web forms of every package share."""


def strip(value):
    """A WTForms filter: text without the spaces around it; anything else as it is."""
    return value.strip() if isinstance(value, str) else value
