"""NPI check digits (CMS: Luhn over "80840" and the first nine digits)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from directory.doctors.npi import check_digit, npi_problem

nine_digits = st.text("0123456789", min_size=9, max_size=9)


def luhn_valid(number: str) -> bool:
    """The textbook Luhn check, written apart from the module's, to compare with."""
    total = 0
    for position, digit in enumerate(reversed(number)):
        value = int(digit) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def test_the_cms_example_is_valid():
    assert npi_problem("1234567893") is None
    assert npi_problem("1234567890") == ("That NPI's last digit does not check out: "
                                         "look for a typing error.")


@pytest.mark.parametrize("npi", ["", "123456789", "12345678931", "12345678a3",
                                 "１２３４５６７８９３"])  # full-width digits are not ASCII
def test_anything_but_ten_digits_is_refused(npi):
    assert npi_problem(npi) == "An NPI is 10 digits."


@given(nine_digits)
def test_the_check_digit_is_luhn_over_the_80840_prefix(first_nine):
    npi = first_nine + str(check_digit(first_nine))
    assert luhn_valid("80840" + npi) and npi_problem(npi) is None


@given(nine_digits, st.integers(0, 9), st.integers(1, 9))
def test_any_one_mistyped_digit_is_caught(first_nine, at, shift):
    npi = first_nine + str(check_digit(first_nine))
    typo = npi[:at] + str((int(npi[at]) + shift) % 10) + npi[at + 1:]
    assert npi_problem(typo) is not None
