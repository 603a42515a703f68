"""Personal data through the app: the vault keeps the values, the aggregate tokens and
masks; a failed command leaves nothing behind, at the vault or in the store; consents keep
their history and withdrawing is idempotent; an erasure forgets every value."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from merx import people
from merx.adapters.memory import MemoryVault
from merx.app import MemoryApp, build_memory_app
from merx.errors import NotFound, ValidationError
from merx.kernel.ids import CustomerId
from merx.people import Channel, PersonalData, PersonalKind
from tests.people.strategies import card_numbers, id_cards, luhn_check_digit, phones

AMY = CustomerId("amy")
ID_CARD = "11010519491231002X"
PHONE = "13800138000"
CARD = "622202123456789" + luhn_check_digit("622202123456789")


def card() -> str:
    return CARD


def registered() -> tuple[MemoryApp, MemoryVault]:
    vault = MemoryVault()
    app = build_memory_app(vault=vault)
    app.handle(people.RegisterPersonalData(AMY, "Amy Li", PHONE, ID_CARD))
    return app, vault


def test_the_aggregate_holds_tokens_and_masks_and_the_vault_the_values() -> None:
    app, vault = registered()
    person = app.get(PersonalData, AMY)
    assert person.phone is not None
    assert person.id_card is not None
    assert person.phone.masked == "138****8000"
    assert person.id_card.masked == "1101**********002X"
    assert vault.reveal(person.phone.token) == PHONE
    assert vault.reveal(person.id_card.token) == ID_CARD
    assert PHONE not in repr(person)
    assert ID_CARD not in repr(person)
    assert PHONE not in repr(app.store.tables)


def test_commands_do_not_show_personal_values_in_their_repr() -> None:
    command = people.RegisterPersonalData(AMY, "Amy Li", PHONE, ID_CARD)
    assert repr(command) == "RegisterPersonalData(customer_id='amy')"
    assert repr(people.AddBankCard(AMY, card())) == "AddBankCard(customer_id='amy')"
    assert repr(people.ChangePhone(AMY, PHONE)) == "ChangePhone(customer_id='amy')"


def test_changing_the_phone_forgets_the_old_one() -> None:
    app, vault = registered()
    old = app.get(PersonalData, AMY).phone
    assert old is not None
    app.handle(people.ChangePhone(AMY, "+86 139 0000 1111"))
    new = app.get(PersonalData, AMY).phone
    assert new is not None
    assert new.masked == "139****1111"
    assert vault.reveal(new.token) == "13900001111"
    with pytest.raises(people.UnknownToken):
        vault.reveal(old.token)
    assert app.events.events[-1] == people.PhoneChanged(AMY)


def test_a_bank_card_is_kept_by_its_last_four_and_removed_from_the_vault() -> None:
    app, vault = registered()
    card_id = app.handle(people.AddBankCard(AMY, card()))
    bound = app.get(PersonalData, AMY).cards[card_id]
    assert bound.number.masked == f"**** {card()[-4:]}"
    assert bound.last_four == card()[-4:]
    assert vault.reveal(bound.number.token) == card()
    app.handle(people.RemoveBankCard(AMY, card_id))
    assert app.get(PersonalData, AMY).cards == {}
    with pytest.raises(people.UnknownToken):
        vault.reveal(bound.number.token)
    with pytest.raises(people.UnknownBankCard):
        app.handle(people.RemoveBankCard(AMY, card_id))
    assert app.events.of(people.BankCardAdded) == [people.BankCardAdded(AMY, card_id)]
    assert app.events.of(people.BankCardRemoved) == [people.BankCardRemoved(AMY, card_id)]


def test_a_card_bound_again_answers_the_bound_card_and_changes_nothing() -> None:
    app, vault = registered()
    card_id = app.handle(people.AddBankCard(AMY, card()))
    kept, events = len(vault), len(app.events.events)
    spaced = " ".join(card()[i : i + 4] for i in range(0, len(card()), 4))
    assert app.handle(people.AddBankCard(AMY, card())) == card_id
    assert app.handle(people.AddBankCard(AMY, spaced)) == card_id
    assert list(app.get(PersonalData, AMY).cards) == [card_id]
    assert (len(vault), len(app.events.events)) == (kept, events)
    bound = app.get(PersonalData, AMY).cards[card_id]
    assert bound.digest == vault.digest(PersonalKind.BANK_CARD, card())
    assert card() not in repr(app.store.tables)
    other = "4111111111111111"
    assert app.handle(people.AddBankCard(AMY, other)) != card_id  # another card is another
    app.handle(people.RemoveBankCard(AMY, card_id))
    assert app.handle(people.AddBankCard(AMY, card())) not in {card_id}  # bound anew


@settings(max_examples=25, deadline=None)
@given(numbers=st.lists(card_numbers, min_size=1, max_size=6))
def test_binding_cards_in_any_order_keeps_one_card_per_number(numbers: list[str]) -> None:
    app, _vault = registered()
    answers = [app.handle(people.AddBankCard(AMY, number)) for number in numbers + numbers]
    distinct = {number: answers[numbers.index(number)] for number in numbers}
    assert answers == [distinct[number] for number in numbers + numbers]
    assert len(app.get(PersonalData, AMY).cards) == len(distinct)


@pytest.mark.parametrize(
    ("command", "error"),
    [
        (people.RegisterPersonalData(AMY, "Amy", "12345678901"), people.InvalidPhone),
        (
            people.RegisterPersonalData(AMY, "Amy", PHONE, "110105194912310021"),
            people.InvalidIdCard,
        ),
        (people.RegisterPersonalData(AMY, " ", PHONE), people.InvalidPersonalValue),
        (people.ChangePhone(AMY, "2"), people.InvalidPhone),
        (people.AddBankCard(AMY, "4111111111111112"), people.InvalidBankCard),
        (people.AddBankCard(CustomerId("bob"), "4111111111111111"), NotFound),
        (people.ChangePhone(CustomerId("bob"), PHONE), NotFound),
    ],
)
def test_a_refused_command_changes_nothing_anywhere(
    command: people.RegisterPersonalData, error: type[Exception]
) -> None:
    app, vault = registered()
    before, kept, events = app.get(PersonalData, AMY), len(vault), len(app.events.events)
    with pytest.raises(error) as raised:
        app.handle(command)
    assert app.get(PersonalData, AMY) == before
    assert len(vault) == kept  # no token left behind
    assert len(app.events.events) == events
    for value in ("12345678901", "110105194912310021", "4111111111111112", PHONE):
        assert value not in str(raised.value)


def test_a_card_for_someone_without_personal_data_is_refused_and_its_token_forgotten() -> None:
    vault = MemoryVault()
    app = build_memory_app(vault=vault)
    app.handle(people.GrantConsent(AMY, Channel.SMS, "app/settings"))
    with pytest.raises(people.NoPersonalData):
        app.handle(people.AddBankCard(AMY, "4111111111111111"))
    assert len(vault) == 0


def test_registering_again_replaces_and_forgets_the_old_values() -> None:
    app, vault = registered()
    app.handle(people.RegisterPersonalData(AMY, "Amy Wang", "13900001111"))
    assert len(vault) == 2  # name and phone; the old name, phone and ID card are forgotten
    assert app.get(PersonalData, AMY).id_card is None


def test_forgetting_erases_every_value_and_keeps_the_consents() -> None:
    app, vault = registered()
    app.handle(people.AddBankCard(AMY, "4111111111111111"))
    app.handle(people.GrantConsent(AMY, Channel.EMAIL, "app/settings"))
    app.handle(people.ForgetPersonalData(AMY))
    person = app.get(PersonalData, AMY)
    assert len(vault) == 0
    assert person.sealed() == []
    assert person.forgotten
    assert person.consent(Channel.EMAIL)
    app.handle(people.ForgetPersonalData(AMY))  # again: nothing more to do
    assert app.events.of(people.PersonalDataForgotten) == [people.PersonalDataForgotten(AMY)]


def test_consents_keep_their_history_and_withdrawing_is_idempotent() -> None:
    app, _ = registered()
    at = datetime(2026, 1, 2, tzinfo=UTC)
    assert not app.get(PersonalData, AMY).consent(Channel.SMS)  # opt-in: never asked is no
    assert not app.handle(people.WithdrawConsent(AMY, Channel.SMS, "app/settings"))
    assert app.handle(people.GrantConsent(AMY, Channel.SMS, "signup", at=at))
    assert not app.handle(people.GrantConsent(AMY, Channel.SMS, "signup", at=at))
    assert app.handle(people.WithdrawConsent(AMY, Channel.SMS, "sms/reply-TD"))
    assert not app.handle(people.WithdrawConsent(AMY, Channel.SMS, "sms/reply-TD"))
    person = app.get(PersonalData, AMY)
    assert not person.consent(Channel.SMS)
    assert [(r.granted, r.source) for r in person.history(Channel.SMS)] == [
        (True, "signup"),
        (False, "sms/reply-TD"),
    ]
    assert person.history(Channel.SMS)[0].at == at
    assert person.current_consents() == dict.fromkeys(Channel, False)
    assert app.events.of(people.ConsentChanged) == [
        people.ConsentChanged(AMY, Channel.SMS, True),
        people.ConsentChanged(AMY, Channel.SMS, False),
    ]


def test_a_consent_needs_its_source_and_a_known_channel() -> None:
    app, _ = registered()
    with pytest.raises(ValidationError, match="source"):
        app.handle(people.GrantConsent(AMY, Channel.PUSH, " "))
    with pytest.raises(ValidationError, match="channel"):
        app.handle(people.GrantConsent(AMY, "push", "app"))  # type: ignore[arg-type]
    assert app.get(PersonalData, AMY).consents == []


@given(st.lists(st.tuples(st.sampled_from(Channel), st.booleans()), max_size=30))
@settings(max_examples=50)
def test_the_current_consent_is_the_last_change_and_the_history_only_grows(
    changes: list[tuple[Channel, bool]],
) -> None:
    person = PersonalData.open(AMY)
    expected = dict.fromkeys(Channel, False)
    at = datetime(2026, 1, 1, tzinfo=UTC)
    for channel, granted in changes:
        before = list(person.consents)
        changed = person.set_consent(channel, granted, at=at, source="test")
        assert changed == (expected[channel] != granted)
        assert person.consents[: len(before)] == before
        expected[channel] = granted
    assert person.current_consents() == expected


@given(st.sampled_from(PersonalKind), st.one_of(phones, id_cards, card_numbers, st.text()))
def test_the_memory_vault_reveals_what_it_was_given_until_forgotten(
    kind: PersonalKind, value: str
) -> None:
    vault = MemoryVault()
    token = vault.tokenize(kind, value)
    assert vault.reveal(token) == value
    vault.forget(token)
    vault.forget(token)
    with pytest.raises(people.UnknownToken):
        vault.reveal(token)
