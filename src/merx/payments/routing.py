"""Channel routing: which payment channel takes a payment.

A routing table is an ordered tuple of :class:`RoutingRule`\\ s. The **first rule that
matches** the payment (its method, currency, amount range and the customer's tags)
decides, and the payment goes to the first of that rule's channels, in its order of
preference, that is available now. When none of them is available, or no rule matches,
:func:`choose_channel` raises :class:`NoChannelAvailable`: it never falls through to a
later rule, so a rule means exactly what it says (a bank-card payment above a limit goes
to the bank-card channel, or nowhere). List a fallback channel inside the rule to allow
one.
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from merx.kernel.errors import ValidationError
from merx.kernel.money import Money
from merx.payments.errors import NoChannelAvailable


def _channels(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(value)


@attrs.frozen
class RoutingRule:
    """Route payments that match to ``channels``, in that order of preference.

    A condition left empty matches anything: ``methods`` (the payer's method is one of
    them), ``currency``, ``min_amount`` (inclusive) and ``max_amount`` (exclusive: ranges
    ``[0, 500)`` and ``[500, ...)`` never overlap), ``customer_tags`` (the customer has
    every one of them). Amount bounds fix the rule's currency: a payment in another
    currency does not match.
    """

    name: str
    channels: tuple[str, ...] = attrs.field(converter=_channels)
    methods: frozenset[str] = frozenset()
    currency: str | None = None
    min_amount: Money | None = None
    max_amount: Money | None = None
    customer_tags: frozenset[str] = frozenset()

    def __attrs_post_init__(self) -> None:
        if not self.name.strip():
            raise ValidationError("a routing rule needs a name")
        if not self.channels:
            raise ValidationError(f"routing rule {self.name!r} names no channel")
        if len(set(self.channels)) != len(self.channels):
            raise ValidationError(f"routing rule {self.name!r} repeats a channel: {self.channels}")
        bounds = [b for b in (self.min_amount, self.max_amount) if b is not None]
        currencies = {b.currency for b in bounds} | ({self.currency} if self.currency else set())
        if len(currencies) > 1:
            raise ValidationError(
                f"routing rule {self.name!r} mixes currencies: {sorted(currencies)}"
            )
        low, high = self.min_amount, self.max_amount
        if low is not None and high is not None and low >= high:
            raise ValidationError(f"routing rule {self.name!r}: min {low} is not below max {high}")

    @property
    def rule_currency(self) -> str | None:
        """The currency the rule is for (stated, or that of its bounds); ``None``: any."""
        if self.currency is not None:
            return self.currency
        bound = self.min_amount or self.max_amount
        return None if bound is None else bound.currency

    def matches(
        self, *, amount: Money, method: str, customer_tags: frozenset[str] = frozenset()
    ) -> bool:
        currency = self.rule_currency
        if currency is not None and amount.currency != currency:
            return False
        if self.methods and method not in self.methods:
            return False
        if self.min_amount is not None and amount < self.min_amount:
            return False
        if self.max_amount is not None and amount >= self.max_amount:
            return False
        return self.customer_tags <= customer_tags


def choose_channel(
    rules: Iterable[RoutingRule],
    *,
    amount: Money,
    method: str,
    available: frozenset[str],
    customer_tags: frozenset[str] = frozenset(),
) -> str:
    """The channel for a payment: the first available channel of the first matching rule.

    Pure. Raises :class:`NoChannelAvailable` naming the amount, the method and the rule.
    """
    for rule in rules:
        if rule.matches(amount=amount, method=method, customer_tags=customer_tags):
            for channel in rule.channels:
                if channel in available:
                    return channel
            raise NoChannelAvailable(
                amount=amount, method=method, rule=rule.name, available=available
            )
    raise NoChannelAvailable(amount=amount, method=method, rule=None, available=available)


#: A starting table for the seed's three channels: a bound bank card goes to the bank-card
#: channel; the WeChat and Alipay apps to their own channel; anything else (the balance)
#: to Alipay, else WeChat Pay. Hosts pass their own.
DEFAULT_ROUTING: tuple[RoutingRule, ...] = (
    RoutingRule("bank card", ("bank_card",), methods=frozenset({"bank_card"})),
    RoutingRule("wechat", ("wechat_pay",), methods=frozenset({"wechat", "wechat_app"})),
    RoutingRule("alipay", ("alipay",), methods=frozenset({"alipay", "alipay_app"})),
    RoutingRule("any other method", ("alipay", "wechat_pay")),
)
