"""In-memory cashier adapters: risk control (``TransactionRisk``) and channel health
(``ChannelHealth``).

:class:`MemoryTransactionRisk` decides by :class:`RiskRules`, checked in this order:

1. the customer is on the deny list (:meth:`MemoryTransactionRisk.deny_customer`): DENY;
2. the amount is above ``absurd_above`` units of its own currency, whatever the currency
   (1,000,000.00 by default, the default order limit): DENY;
3. the amount is above ``deny_above`` (the single-transaction limit): DENY;
4. a bank card (method or channel ``"bank_card"``) above ``face_above``: AUTHENTICATE by face;
5. any payment above ``sms_above``: AUTHENTICATE by SMS code;
6. a bank card when ``card_password`` is set: AUTHENTICATE by payment password;
7. otherwise: ALLOW.

A threshold in another currency than the payment's does not apply. ``RiskRules()`` (the
default) allows everything but absurd amounts; :meth:`RiskRules.standard` is the documented
cashier set (deny above 50,000, face for a card above 10,000, SMS above 2,000, a password for any
card). Tests script it: :meth:`MemoryTransactionRisk.decide_next` overrides the rules for
the next assessments. ``verify`` accepts the proof set for the payment
(:meth:`MemoryTransactionRisk.set_proof`, e.g. the SMS code "sent" for it), else the
factor's proof in ``valid_proofs``; it is a pure check, asking twice answers the same.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from decimal import Decimal

import attrs

from merx.kernel.money import Money
from merx.payments.ports import AuthFactor, RiskDecision

BANK_CARD = "bank_card"

#: The proofs the in-memory risk control accepts unless told otherwise.
VALID_PROOFS: Mapping[AuthFactor, str] = {
    AuthFactor.PASSWORD: "123456",
    AuthFactor.SMS: "000000",
    AuthFactor.FACE: "face:match",
    AuthFactor.FINGERPRINT: "finger:match",
}


@attrs.frozen
class RiskRules:
    """Thresholds of :class:`MemoryTransactionRisk` (``None``: the rule is off)."""

    absurd_above: Decimal | None = Decimal("1000000.00")
    deny_above: Money | None = None
    face_above: Money | None = None
    sms_above: Money | None = None
    card_password: bool = False

    @classmethod
    def standard(cls, currency: str = "CNY") -> RiskRules:
        return cls(
            deny_above=Money.of("50000", currency),
            face_above=Money.of("10000", currency),
            sms_above=Money.of("2000", currency),
            card_password=True,
        )


def _above(amount: Money, threshold: Money | None) -> bool:
    return threshold is not None and threshold.currency == amount.currency and amount > threshold


@attrs.frozen
class Assessment:
    """One question risk control was asked, and its answer (for tests to read)."""

    customer_id: str
    parent_id: str
    amount: Money
    channel: str
    method: str
    decision: RiskDecision


class MemoryTransactionRisk:
    """``TransactionRisk`` by documented rules (see the module docstring)."""

    def __init__(
        self,
        rules: RiskRules | None = None,
        *,
        valid_proofs: Mapping[AuthFactor, str] = VALID_PROOFS,
    ) -> None:
        self.rules = rules or RiskRules()
        self.valid_proofs = dict(valid_proofs)
        self.assessments: list[Assessment] = []
        self.verifications: list[tuple[str, AuthFactor, bool]] = []
        self._scripted: deque[RiskDecision] = deque()
        self._denied: dict[str, str] = {}
        self._proofs: dict[str, str] = {}

    # -- the port -------------------------------------------------------------------------

    def assess(
        self, *, customer_id: str, parent_id: str, amount: Money, channel: str, method: str
    ) -> RiskDecision:
        decision = (
            self._scripted.popleft()
            if self._scripted
            else self._decide(customer_id, amount, channel, method)
        )
        self.assessments.append(
            Assessment(customer_id, parent_id, amount, channel, method, decision)
        )
        return decision

    def verify(self, *, payment_id: str, factor: AuthFactor, proof: str) -> bool:
        expected = self._proofs.get(payment_id, self.valid_proofs.get(factor))
        ok = expected is not None and proof == expected
        self.verifications.append((payment_id, factor, ok))
        return ok

    def _decide(self, customer_id: str, amount: Money, channel: str, method: str) -> RiskDecision:
        rules = self.rules
        card = BANK_CARD in (channel, method)
        if customer_id in self._denied:
            return RiskDecision.deny(self._denied[customer_id])
        if rules.absurd_above is not None and amount.amount > rules.absurd_above:
            return RiskDecision.deny(f"{amount} is an absurd amount (above {rules.absurd_above})")
        if _above(amount, rules.deny_above):
            return RiskDecision.deny(f"{amount} is above the {rules.deny_above} limit")
        if card and _above(amount, rules.face_above):
            return RiskDecision.authenticate(AuthFactor.FACE, f"bank card above {rules.face_above}")
        if _above(amount, rules.sms_above):
            return RiskDecision.authenticate(AuthFactor.SMS, f"above {rules.sms_above}")
        if card and rules.card_password:
            return RiskDecision.authenticate(AuthFactor.PASSWORD, "bound bank card")
        return RiskDecision.allow()

    # -- test hooks -----------------------------------------------------------------------

    def decide_next(self, *decisions: RiskDecision) -> None:
        """Answer the next assessments with ``decisions``, in order, whatever the rules."""
        self._scripted.extend(decisions)

    def deny_customer(self, customer_id: str, reason: str = "on the risk list") -> None:
        self._denied[customer_id] = reason

    def set_proof(self, payment_id: str, proof: str) -> None:
        """The one proof accepted for ``payment_id`` (say, the SMS code sent for it)."""
        self._proofs[payment_id] = proof


class MemoryChannelHealth:
    """``ChannelHealth``: every channel is up until marked down."""

    def __init__(self, down: Iterable[str] = ()) -> None:
        self._down = set(down)

    def is_available(self, channel: str) -> bool:
        return channel not in self._down

    def mark_down(self, channel: str) -> None:
        self._down.add(channel)

    def mark_up(self, channel: str) -> None:
        self._down.discard(channel)
