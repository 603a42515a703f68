"""People use cases: personal values go to the vault first, the aggregate keeps sealed
values; a command that then fails forgets the tokens it made (no trace at the vault).

Personal values in commands are :func:`~merx.kernel.vault.personal` fields: left out of
their repr, so a logged command shows none, and out of the idempotency fingerprint (the
vault's keyed digest stands in for them).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

import attrs

from merx.kernel.bus import Command
from merx.kernel.clock import Clock
from merx.kernel.ids import CustomerId, IdSource
from merx.kernel.uow import UnitOfWork
from merx.kernel.vault import Sealed, personal
from merx.people import numbers
from merx.people.model import BankCard, Channel, PersonalData
from merx.people.ports import PersonalKind, Vault


@attrs.frozen
class RegisterPersonalData(Command[None]):
    """Register (or replace) the customer's name, mobile number and, if given, resident ID
    card number."""

    customer_id: CustomerId
    name: str = personal(PersonalKind.NAME)
    phone: str = personal(PersonalKind.PHONE)
    id_card: str | None = personal(PersonalKind.ID_CARD, default=None)


@attrs.frozen
class ChangePhone(Command[None]):
    customer_id: CustomerId
    phone: str = personal(PersonalKind.PHONE)


@attrs.frozen
class AddBankCard(Command[str]):
    """Bind a bank card; answers the card's id (the number itself is never shown again,
    only ``**** 1234``)."""

    customer_id: CustomerId
    number: str = personal(PersonalKind.BANK_CARD)


@attrs.frozen
class RemoveBankCard(Command[None]):
    customer_id: CustomerId
    card_id: str


@attrs.frozen
class GrantConsent(Command[bool]):
    """The customer allows marketing on ``channel``; answers whether it changed (granting
    a granted channel records nothing). ``at`` defaults to the clock's now."""

    customer_id: CustomerId
    channel: Channel
    source: str
    at: datetime | None = None


@attrs.frozen
class WithdrawConsent(Command[bool]):
    """The customer stops marketing on ``channel`` (idempotent); whether it changed."""

    customer_id: CustomerId
    channel: Channel
    source: str
    at: datetime | None = None


@attrs.frozen
class ForgetPersonalData(Command[None]):
    """An erasure request: the vault forgets every personal value of the customer; the
    consent history stays."""

    customer_id: CustomerId


def _seal(vault: Vault, made: list[str], kind: PersonalKind, value: str, masked: str) -> Sealed:
    token = vault.tokenize(kind, value)
    made.append(token)
    return Sealed(token, masked)


def _sealing(
    vault: Vault, uow: UnitOfWork, change: Callable[[list[str]], Iterable[Sealed]]
) -> None:
    """Run ``change`` (it seals values into its list, changes, stages), commit, then forget
    what it replaced; if anything fails, forget the tokens it made."""
    made: list[str] = []
    try:
        replaced = list(change(made))
        uow.commit()
    except BaseException:
        for token in made:
            vault.forget(token)
        raise
    for old in replaced:
        vault.forget(old.token)


def _load_or_open(uow: UnitOfWork, customer_id: CustomerId) -> tuple[PersonalData, bool]:
    found = uow.repo(PersonalData).find(customer_id)
    return (found, False) if found is not None else (PersonalData.open(customer_id), True)


def _stage(uow: UnitOfWork, person: PersonalData, new: bool) -> None:
    if new:
        uow.repo(PersonalData).add(person)
    else:
        uow.repo(PersonalData).save(person)


def register_personal_data(cmd: RegisterPersonalData, uow: UnitOfWork, *, vault: Vault) -> None:
    cid = cmd.customer_id
    name = numbers.person_name(cid, cmd.name)
    phone = numbers.mainland_mobile(cid, cmd.phone)
    id_card = None if cmd.id_card is None else numbers.resident_id_card(cid, cmd.id_card)

    def change(made: list[str]) -> list[Sealed]:
        sealed_id = None
        if id_card is not None:
            sealed_id = _seal(
                vault, made, PersonalKind.ID_CARD, id_card, numbers.mask_id_card(id_card)
            )
        person, new = _load_or_open(uow, cid)
        replaced = person.register(
            name=_seal(vault, made, PersonalKind.NAME, name, numbers.mask_name(name)),
            phone=_seal(vault, made, PersonalKind.PHONE, phone, numbers.mask_phone(phone)),
            id_card=sealed_id,
        )
        _stage(uow, person, new)
        return replaced

    _sealing(vault, uow, change)


def change_phone(cmd: ChangePhone, uow: UnitOfWork, *, vault: Vault) -> None:
    phone = numbers.mainland_mobile(cmd.customer_id, cmd.phone)

    def change(made: list[str]) -> list[Sealed]:
        person = uow.repo(PersonalData).get(cmd.customer_id)
        old = person.change_phone(
            _seal(vault, made, PersonalKind.PHONE, phone, numbers.mask_phone(phone))
        )
        uow.repo(PersonalData).save(person)
        return [old]

    _sealing(vault, uow, change)


def add_bank_card(cmd: AddBankCard, uow: UnitOfWork, *, vault: Vault, ids: IdSource) -> str:
    """Bind the card; a card already bound (the same number, told by the vault's keyed
    digest) answers its id again and changes nothing."""
    number = numbers.bank_card(cmd.customer_id, cmd.number)
    digest = vault.digest(PersonalKind.BANK_CARD, number)
    bound = uow.repo(PersonalData).get(cmd.customer_id).card_with(digest)
    if bound is not None:
        return bound.card_id
    card_id = ids.next_id("card")

    def change(made: list[str]) -> list[Sealed]:
        person = uow.repo(PersonalData).get(cmd.customer_id)
        sealed = _seal(vault, made, PersonalKind.BANK_CARD, number, numbers.mask_bank_card(number))
        person.add_card(BankCard(card_id, sealed, digest))
        uow.repo(PersonalData).save(person)
        return []

    _sealing(vault, uow, change)
    return card_id


def remove_bank_card(cmd: RemoveBankCard, uow: UnitOfWork, *, vault: Vault) -> None:
    def change(made: list[str]) -> list[Sealed]:
        person = uow.repo(PersonalData).get(cmd.customer_id)
        card = person.remove_card(cmd.card_id)
        uow.repo(PersonalData).save(person)
        return [card.number]

    _sealing(vault, uow, change)


def forget_personal_data(cmd: ForgetPersonalData, uow: UnitOfWork, *, vault: Vault) -> None:
    def change(made: list[str]) -> list[Sealed]:
        person = uow.repo(PersonalData).get(cmd.customer_id)
        held = person.forget()
        uow.repo(PersonalData).save(person)
        return held

    _sealing(vault, uow, change)


def _set_consent(
    cmd: GrantConsent | WithdrawConsent, granted: bool, uow: UnitOfWork, clock: Clock
) -> bool:
    person, new = _load_or_open(uow, cmd.customer_id)
    changed = person.set_consent(cmd.channel, granted, at=cmd.at or clock.now(), source=cmd.source)
    if changed:
        _stage(uow, person, new)
        uow.commit()
    return changed


def grant_consent(cmd: GrantConsent, uow: UnitOfWork, *, clock: Clock) -> bool:
    return _set_consent(cmd, True, uow, clock)


def withdraw_consent(cmd: WithdrawConsent, uow: UnitOfWork, *, clock: Clock) -> bool:
    return _set_consent(cmd, False, uow, clock)
