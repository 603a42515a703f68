"""People: a customer's personal data behind the vault, and their marketing consents.

:class:`PersonalData` is keyed by the :class:`~merx.kernel.ids.CustomerId`. It holds
:class:`Sealed` values only: the vault's token and a mask for display. Its events carry the
customer id, a card id, a consent channel and state, never a personal value, and so do its
errors and its repr.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime

import attrs

from merx.kernel.aggregate import Aggregate
from merx.kernel.clock import require_aware
from merx.kernel.errors import ValidationError
from merx.kernel.events import DomainEvent
from merx.kernel.ids import CustomerId
from merx.kernel.vault import Sealed
from merx.people.errors import NoPersonalData, UnknownBankCard


@attrs.frozen
class BankCard:
    """A bound bank card: its id (merx's), the sealed card number (``**** 1234``) and the
    vault's keyed digest of the number (``digest``: how a card bound again is recognised;
    empty on a card bound before digests were kept)."""

    card_id: str
    number: Sealed
    digest: str = ""

    @property
    def last_four(self) -> str:
        return self.number.masked[-4:]


class Channel(enum.Enum):
    """Marketing channels a customer consents to, one by one (opt-in: none by default).

    SMS, app push and email are the seed's; outbound calls (telemarketing) and WeChat
    messages (official-account and mini-program subscription messages) are the other two
    channels Chinese shops market through, and PIPL asks for consent to each."""

    SMS = "sms"
    PUSH = "push"
    EMAIL = "email"
    CALL = "call"
    WECHAT = "wechat"


@attrs.frozen
class ConsentRecord:
    """One grant or withdrawal: the channel, the new state, when and where it came from
    (``source``: the page, form or host system, e.g. ``"app/settings"``)."""

    channel: Channel
    granted: bool
    at: datetime
    source: str


# -- events ----------------------------------------------------------------------------


@attrs.frozen
class PersonalDataRegistered(DomainEvent):
    customer_id: CustomerId


@attrs.frozen
class PhoneChanged(DomainEvent):
    customer_id: CustomerId


@attrs.frozen
class BankCardAdded(DomainEvent):
    customer_id: CustomerId
    card_id: str


@attrs.frozen
class BankCardRemoved(DomainEvent):
    customer_id: CustomerId
    card_id: str


@attrs.frozen
class ConsentChanged(DomainEvent):
    """A consent was granted (``granted``) or withdrawn on ``channel``."""

    customer_id: CustomerId
    channel: Channel
    granted: bool


@attrs.frozen
class PersonalDataForgotten(DomainEvent):
    """The customer's personal values were erased from the vault (an erasure request)."""

    customer_id: CustomerId


# -- the aggregate ---------------------------------------------------------------------


def _require_source(source: str) -> None:
    if not isinstance(source, str) or not source.strip():
        raise ValidationError("a consent change needs its source (the page or system)")


@attrs.define(kw_only=True)
class PersonalData(Aggregate):
    """A customer's personal data (sealed) and consents.

    ``consents`` is the append-only history of grants and withdrawals; :meth:`consent`
    reads the current state of a channel from it. ``forgotten`` is set once the personal
    values were erased; the consent history stays (it holds no personal value and is the
    record of what the customer allowed)."""

    id: CustomerId
    name: Sealed | None = None
    phone: Sealed | None = None
    id_card: Sealed | None = None
    cards: dict[str, BankCard] = attrs.field(factory=dict)
    consents: list[ConsentRecord] = attrs.field(factory=list)
    forgotten: bool = False

    @classmethod
    def open(cls, customer_id: CustomerId) -> PersonalData:
        """An empty record: consents may be given before any personal value."""
        return cls(id=customer_id)

    def register(self, *, name: Sealed, phone: Sealed, id_card: Sealed | None) -> list[Sealed]:
        """Set the name, the phone and (if given) the ID card; the sealed values they
        replace (their tokens to forget)."""
        replaced = [value for value in (self.name, self.phone, self.id_card) if value is not None]
        self.name, self.phone, self.id_card = name, phone, id_card
        self.forgotten = False
        self.record(PersonalDataRegistered(self.id))
        return replaced

    def change_phone(self, phone: Sealed) -> Sealed:
        """Replace the phone; the old one's sealed value (its token to forget)."""
        old = self._registered_phone()
        self.phone = phone
        self.record(PhoneChanged(self.id))
        return old

    def add_card(self, card: BankCard) -> None:
        if card.card_id in self.cards:
            raise ValidationError(f"customer {self.id!r} already has a bank card {card.card_id!r}")
        self._registered_phone()
        self.cards[card.card_id] = card
        self.record(BankCardAdded(self.id, card.card_id))

    def card_with(self, digest: str) -> BankCard | None:
        """The bound card whose number has this keyed ``digest``, if any."""
        return next(
            (card for card in self.cards.values() if digest and card.digest == digest), None
        )

    def remove_card(self, card_id: str) -> BankCard:
        """Unbind the card; the removed card (its token to forget)."""
        if card_id not in self.cards:
            raise UnknownBankCard(f"customer {self.id!r} has no bank card {card_id!r}")
        card = self.cards.pop(card_id)
        self.record(BankCardRemoved(self.id, card_id))
        return card

    def sealed(self) -> list[Sealed]:
        """Every sealed value held: what an erasure must forget."""
        held = [value for value in (self.name, self.phone, self.id_card) if value is not None]
        return held + [card.number for card in self.cards.values()]

    def forget(self) -> list[Sealed]:
        """Erase every personal value (idempotent); the sealed values to forget at the
        vault. Consents stay."""
        held = self.sealed()
        if self.forgotten and not held:
            return []
        self.name = self.phone = self.id_card = None
        self.cards.clear()
        self.forgotten = True
        self.record(PersonalDataForgotten(self.id))
        return held

    # -- consents ----------------------------------------------------------------------

    def consent(self, channel: Channel) -> bool:
        """Whether the customer allows marketing on ``channel`` now (never asked: no)."""
        for record in reversed(self.consents):
            if record.channel is channel:
                return record.granted
        return False

    def current_consents(self) -> Mapping[Channel, bool]:
        return {channel: self.consent(channel) for channel in Channel}

    def history(self, channel: Channel) -> list[ConsentRecord]:
        return [record for record in self.consents if record.channel is channel]

    def set_consent(self, channel: Channel, granted: bool, *, at: datetime, source: str) -> bool:
        """Grant or withdraw marketing on ``channel``; idempotent: setting the state the
        channel already has records nothing. Whether it changed."""
        if not isinstance(channel, Channel):
            raise ValidationError(f"{channel!r} is not a consent channel")
        require_aware(at, "consent time")
        _require_source(source)
        if self.consent(channel) == granted:
            return False
        self.consents.append(ConsentRecord(channel, granted, at, source.strip()))
        self.record(ConsentChanged(self.id, channel, granted))
        return True

    def _registered_phone(self) -> Sealed:
        if self.phone is None:
            raise NoPersonalData(f"customer {self.id!r} has no personal data registered")
        return self.phone
