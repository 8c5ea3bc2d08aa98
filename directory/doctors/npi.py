"""National Provider Identifiers (CMS NPPES): ten digits, the last a check digit.

The check digit is the Luhn algorithm's over the first nine digits with the constant 24
added, the same as Luhn over "80840" (the prefix of NPIs as card numbers) followed by
the nine digits. 1234567893 is valid.
"""

from __future__ import annotations

PREFIX_SUM = 24  # what "80840" adds to the Luhn sum


def check_digit(first_nine: str) -> int:
    """The tenth digit that makes `first_nine` (nine digits) a valid NPI."""
    total = PREFIX_SUM
    # From the right, every other digit doubles, starting with the ninth (the digit
    # next to the check digit); a doubled digit over 9 counts its digits' sum.
    for position, digit in enumerate(reversed(first_nine)):
        value = int(digit) * (2 if position % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return (10 - total % 10) % 10


def npi_problem(npi: str) -> str | None:
    """Why `npi` is not a valid NPI, in words; None if it is one."""
    if len(npi) != 10 or not npi.isascii() or not npi.isdigit():
        return "An NPI is 10 digits."
    if int(npi[9]) != check_digit(npi[:9]):
        return "That NPI's last digit does not check out: look for a typing error."
    return None
