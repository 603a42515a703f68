"""Personal numbers are checked by their standards and masked so that a mask never shows
more than it should; errors name the customer, never the value."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from merx.errors import ValidationError
from merx.kernel.ids import CustomerId
from merx.people import InvalidBankCard, InvalidIdCard, InvalidPersonalValue, InvalidPhone, numbers
from tests.people.strategies import card_numbers, id_cards, phones

AMY = CustomerId("amy")


def changed(value: str, position: int, to: str) -> str:
    return value[:position] + to + value[position + 1 :]


def test_a_mainland_mobile_number_is_normalised() -> None:
    assert numbers.mainland_mobile(AMY, "+86 138-0013-8000") == "13800138000"
    assert numbers.mainland_mobile(AMY, "0086 13800138000") == "13800138000"


@pytest.mark.parametrize(
    "bad", ["12800138000", "1380013800", "138001380000", "1380013800a", "", 13800138000]
)
def test_anything_else_is_not_a_phone_and_the_error_does_not_echo_it(bad: object) -> None:
    with pytest.raises(InvalidPhone) as raised:
        numbers.mainland_mobile(AMY, bad)
    assert str(raised.value) == (
        "phone number of customer 'amy' is not a valid mainland mobile number"
    )
    assert isinstance(raised.value, ValidationError)


def test_the_standards_sample_id_card_is_accepted_with_a_lower_case_x() -> None:
    assert numbers.resident_id_card(AMY, "11010519491231002x") == "11010519491231002X"


@pytest.mark.parametrize(
    "bad",
    [
        "110105194912310021",  # wrong check character
        "110105194902300028",  # 30 February (check character right for the digits)
        "11010519491231002",  # 17 characters
        "1101051949123100X2",  # X not last
    ],
)
def test_a_bad_id_card_is_refused_without_its_value(bad: str) -> None:
    if bad == "110105194902300028":
        bad = bad[:17] + numbers.id_check_character(bad[:17])
    with pytest.raises(InvalidIdCard) as raised:
        numbers.resident_id_card(AMY, bad)
    assert bad[:6] not in str(raised.value)


@given(id_cards)
def test_every_valid_id_card_is_accepted(number: str) -> None:
    assert numbers.resident_id_card(AMY, number) == number


@given(id_cards, st.data())
def test_one_changed_character_of_an_id_card_is_refused(number: str, data: st.DataObject) -> None:
    position = data.draw(st.integers(0, 17))
    alphabet = "0123456789X" if position == 17 else "0123456789"
    to = data.draw(st.sampled_from([c for c in alphabet if c != number[position]]))
    with pytest.raises(InvalidIdCard):
        numbers.resident_id_card(AMY, changed(number, position, to))


@given(card_numbers)
def test_every_luhn_card_number_is_accepted(number: str) -> None:
    assert numbers.bank_card(AMY, number) == number


@given(card_numbers, st.data())
def test_one_changed_digit_of_a_card_number_is_refused(number: str, data: st.DataObject) -> None:
    position = data.draw(st.integers(0, len(number) - 1))
    to = data.draw(st.sampled_from([d for d in "0123456789" if d != number[position]]))
    bad = changed(number, position, to)
    with pytest.raises(InvalidBankCard) as raised:
        numbers.bank_card(AMY, bad)
    assert bad not in str(raised.value)


def test_a_known_test_card_passes_luhn_and_its_neighbour_does_not() -> None:
    assert numbers.bank_card(AMY, "4111 1111 1111 1111") == "4111111111111111"
    with pytest.raises(InvalidBankCard):
        numbers.bank_card(AMY, "4111111111111112")


def test_a_name_must_not_be_empty_nor_echoed() -> None:
    with pytest.raises(InvalidPersonalValue, match="name of customer 'amy'"):
        numbers.person_name(AMY, "   ")
    assert numbers.mask_name("张三丰") == "张**"
    assert numbers.mask_name("李") == "李*"


# -- masks: never more than they should show ---------------------------------------------


@given(phones)
def test_a_phone_mask_shows_the_first_three_and_the_last_four_only(phone: str) -> None:
    masked = numbers.mask_phone(phone)
    assert masked == phone[:3] + "****" + phone[7:]
    assert len(re.sub(r"\D", "", masked)) == 7


@given(id_cards)
def test_an_id_card_mask_hides_the_birth_date(number: str) -> None:
    masked = numbers.mask_id_card(number)
    assert len(masked) == 18
    assert masked[4:14] == "*" * 10
    assert masked[:4] == number[:4]
    assert masked[14:] == number[14:]


@given(card_numbers)
def test_a_card_mask_shows_the_last_four_only(number: str) -> None:
    masked = numbers.mask_bank_card(number)
    assert masked == "**** " + number[-4:]
    assert len(re.sub(r"\D", "", masked)) == 4
