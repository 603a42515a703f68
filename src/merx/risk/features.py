"""The actions risk control decides and the facts (features) each decision reads.

Every feature is computed in the decision call from the keys' own ticks, lists and links
(:class:`~merx.risk.model.RiskKey`): never by scanning orders or payments. A count
includes the event being decided (it is ticked first). Windows are ``(at - window, at]``.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from decimal import ROUND_DOWN, Decimal

import attrs

from merx.decisions import ValueType
from merx.kernel.money import Money
from merx.risk.model import KeyKind, ListColor, RiskKey, key_id


class RiskAction(enum.StrEnum):
    """What a decision is about: a user action or a transaction."""

    REGISTER = "register"
    LOGIN = "login"
    ACCOUNT_CHANGE = "account_change"
    SMS_CODE = "sms_code"
    ORDER = "order"
    PAYMENT = "payment"
    REFUND = "refund"
    WITHDRAWAL = "withdrawal"
    COUPON_CLAIM = "coupon_claim"

    @property
    def scenario(self) -> str:
        """The decisions scenario deciding it: ``risk.<action>``."""
        return f"risk.{self.value}"


USER_ACTIONS = frozenset(
    {RiskAction.REGISTER, RiskAction.LOGIN, RiskAction.ACCOUNT_CHANGE, RiskAction.SMS_CODE}
)

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
MONTH = timedelta(days=30)

N = ValueType.NUMBER
B = ValueType.BOOL
_COMMON = (("listed_grey", B), ("linked_accounts", N))

#: The features of each action (the inputs of its scenario), with their types.
FEATURES: Mapping[RiskAction, tuple[tuple[str, ValueType], ...]] = {
    RiskAction.REGISTER: (
        *_COMMON,
        ("device_accounts", N),
        ("device_registrations_24h", N),
        ("ip_registrations_1h", N),
        ("phone_registrations_24h", N),
    ),
    RiskAction.LOGIN: (
        *_COMMON,
        ("device_accounts", N),
        ("device_logins_1h", N),
        ("ip_logins_1h", N),
    ),
    RiskAction.ACCOUNT_CHANGE: (*_COMMON, ("device_accounts", N), ("account_changes_24h", N)),
    RiskAction.SMS_CODE: (*_COMMON, ("phone_sms_1h", N), ("device_sms_1h", N), ("ip_sms_1h", N)),
    RiskAction.PAYMENT: (
        *_COMMON,
        ("amount", N),
        ("near_threshold_24h", N),
        ("account_payments_1h", N),
        ("merchant_payers_1h", N),
        ("merchant_small_payments_1h", N),
    ),
    RiskAction.WITHDRAWAL: (*_COMMON, ("amount", N), ("inflow_24h", N), ("inflow_share_pct", N)),
    RiskAction.ORDER: (
        *_COMMON,
        ("amount", N),
        ("merchant_linked_buyers_24h", N),
        ("self_purchase", B),
        ("merchant_untracked_30d", N),
    ),
    RiskAction.REFUND: (*_COMMON, ("amount", N), ("refunds_after_coupon_30d", N)),
    RiskAction.COUPON_CLAIM: (*_COMMON, ("linked_claims", N), ("device_claims_24h", N)),
}


@attrs.frozen
class FeaturePolicy:
    """The amounts features compare to. ``structuring_threshold``: the reporting threshold
    structured payments stay just under (``near_share`` of it or more, below it counts);
    ``small_payment_below``: what a "small" payment to a merchant is. A threshold in
    another currency than the payment's does not apply."""

    structuring_threshold: Money = attrs.field(factory=lambda: Money.of("50000", "CNY"))
    near_share: Decimal = Decimal("0.9")
    small_payment_below: Money = attrs.field(factory=lambda: Money.of("100", "CNY"))


@attrs.frozen
class Subject:
    """Who and what is decided: the account, its device, IP and phone (the vault's digests
    for IP and phone), the counterparty account (a merchant), the campaign (a coupon
    claim), the amount, and what the decision holds (an order, a refund...)."""

    action: RiskAction
    account: str
    device: str | None = None
    ip: str | None = None
    phone: str | None = None
    counterparty: str | None = None
    campaign: str | None = None
    amount: Money | None = None
    reference: str = ""

    def keys(self) -> dict[KeyKind, str]:
        """The key ids named directly (the counterparty's under ``ACCOUNT`` is separate)."""
        named = {KeyKind.ACCOUNT: key_id(KeyKind.ACCOUNT, self.account)}
        for kind, value in (
            (KeyKind.DEVICE, self.device),
            (KeyKind.IP, self.ip),
            (KeyKind.PHONE, self.phone),
        ):
            if value is not None:
                named[kind] = key_id(kind, value)
        return named


Lookup = Callable[[str], RiskKey | None]


def linked_accounts(account: RiskKey, lookup: Lookup) -> set[str]:
    """The accounts sharing an identity key with ``account`` (one hop; ids, not keys)."""
    found: set[str] = set()
    for identity in account.links:
        key = lookup(identity)
        if key is not None:
            found.update(key.links)
    found.discard(account.id)
    return {linked.split(":", 1)[1] for linked in found}


def _minor(amount: Money | None) -> int:
    return amount.minor if amount is not None else 0


def _count(key: RiskKey | None, counter: str, at: datetime, window: timedelta) -> int:
    return key.count(counter, at, window) if key is not None else 0


@attrs.frozen
class _Held:
    """The keys of one decision, by role (``None``: not named, or not held)."""

    subject: Subject
    account: RiskKey
    device: RiskKey | None
    ip: RiskKey | None
    phone: RiskKey | None
    merchant: RiskKey | None
    lookup: Lookup


def _held(subject: Subject, keys: Mapping[str, RiskKey]) -> _Held:
    named = subject.keys()
    merchant = None
    if subject.counterparty is not None:
        merchant = keys.get(key_id(KeyKind.ACCOUNT, subject.counterparty))
    return _Held(
        subject,
        keys[named[KeyKind.ACCOUNT]],
        keys.get(named.get(KeyKind.DEVICE, "")),
        keys.get(named.get(KeyKind.IP, "")),
        keys.get(named.get(KeyKind.PHONE, "")),
        merchant,
        keys.get,
    )


Facts = dict[str, object]


def _user_facts(held: _Held, linked: set[str], at: datetime) -> Facts:
    action, device, ip, phone = held.subject.action, held.device, held.ip, held.phone
    device_accounts = len(device.links) if device is not None else 0
    if action is RiskAction.REGISTER:
        return {
            "device_accounts": device_accounts,
            "device_registrations_24h": _count(device, "register", at, DAY),
            "ip_registrations_1h": _count(ip, "register", at, HOUR),
            "phone_registrations_24h": _count(phone, "register", at, DAY),
        }
    if action is RiskAction.LOGIN:
        return {
            "device_accounts": device_accounts,
            "device_logins_1h": _count(device, "login", at, HOUR),
            "ip_logins_1h": _count(ip, "login", at, HOUR),
        }
    if action is RiskAction.ACCOUNT_CHANGE:
        return {
            "device_accounts": device_accounts,
            "account_changes_24h": _count(held.account, "account_change", at, DAY),
        }
    return {
        "phone_sms_1h": _count(phone, "sms_code", at, HOUR),
        "device_sms_1h": _count(device, "sms_code", at, HOUR),
        "ip_sms_1h": _count(ip, "sms_code", at, HOUR),
    }


def _payment_facts(held: _Held, linked: set[str], at: datetime) -> Facts:
    merchant = held.merchant
    return {
        "near_threshold_24h": _count(held.account, "near_threshold", at, DAY),
        "account_payments_1h": _count(held.account, "payment_out", at, HOUR),
        "merchant_payers_1h": (
            len(merchant.members("payment_in", at, HOUR)) if merchant is not None else 0
        ),
        "merchant_small_payments_1h": _count(merchant, "small_payment_in", at, HOUR),
    }


def _withdrawal_facts(held: _Held, linked: set[str], at: datetime) -> Facts:
    amount = held.subject.amount
    assert amount is not None  # checked by the command
    inflow_minor = held.account.total_minor("payment_in", at, DAY)
    share = Decimal(0)
    if inflow_minor > 0:  # rounded down to a whole percent
        share = (Decimal(100 * amount.minor) / inflow_minor).quantize(Decimal(1), ROUND_DOWN)
    return {
        "inflow_24h": Money.from_minor(inflow_minor, amount.currency).amount,
        "inflow_share_pct": share,
    }


def _order_facts(held: _Held, linked: set[str], at: datetime) -> Facts:
    subject, merchant = held.subject, held.merchant
    group = 0
    if merchant is not None and linked:  # the buyer and the linked buyers it ordered from
        group = len(merchant.members("sale", at, DAY) & (linked | {subject.account}))
    return {
        "merchant_linked_buyers_24h": group,
        "self_purchase": subject.counterparty is not None
        and (subject.counterparty == subject.account or subject.counterparty in linked),
        "merchant_untracked_30d": _count(merchant, "untracked_delivery", at, MONTH),
    }


def _refund_facts(held: _Held, linked: set[str], at: datetime) -> Facts:
    return {"refunds_after_coupon_30d": _count(held.account, "refund_after_coupon", at, MONTH)}


def _claim_facts(held: _Held, linked: set[str], at: datetime) -> Facts:
    subject = held.subject
    claimers: set[str] = set()
    counter = f"claim:{subject.campaign}"
    for identity in held.account.links:
        key = held.lookup(identity)
        if key is not None:
            claimers |= key.members(counter, at, MONTH)
    claimers.discard(subject.account)
    return {
        "device_claims_24h": _count(held.device, "claim", at, DAY),
        "linked_claims": len(claimers),
    }


_FACTS: Mapping[RiskAction, Callable[[_Held, set[str], datetime], Facts]] = {
    RiskAction.REGISTER: _user_facts,
    RiskAction.LOGIN: _user_facts,
    RiskAction.ACCOUNT_CHANGE: _user_facts,
    RiskAction.SMS_CODE: _user_facts,
    RiskAction.PAYMENT: _payment_facts,
    RiskAction.WITHDRAWAL: _withdrawal_facts,
    RiskAction.ORDER: _order_facts,
    RiskAction.REFUND: _refund_facts,
    RiskAction.COUPON_CLAIM: _claim_facts,
}


def features(subject: Subject, keys: Mapping[str, RiskKey], at: datetime) -> Facts:
    """The facts of ``subject`` at ``at`` from ``keys``: its keys (already ticked) and its
    account's identity keys (those held)."""
    held = _held(subject, keys)
    linked = linked_accounts(held.account, keys.get)
    facts: Facts = {
        "listed_grey": any(key.listed(at) is ListColor.GREY for key in keys.values()),
        "linked_accounts": len(linked),
    }
    if subject.amount is not None:
        facts["amount"] = subject.amount.amount
    facts.update(_FACTS[subject.action](held, linked, at))
    return facts


def _link(subject: Subject, keys: Mapping[str, RiskKey]) -> list[RiskKey]:
    """Link the account to its device and phone (an IP is shared too widely to link by)."""
    named = subject.keys()
    account = keys[named[KeyKind.ACCOUNT]]
    changed = []
    for kind in (KeyKind.DEVICE, KeyKind.PHONE):
        identity = named.get(kind)
        if identity is not None:
            if keys[identity].link(account.id):
                changed.append(keys[identity])
            account.link(identity)
    return changed


def _tick_user(held: _Held, policy: FeaturePolicy, at: datetime) -> list[RiskKey]:
    subject = held.subject
    touched = [key for key in (held.device, held.ip, held.phone) if key is not None]
    for key in touched:
        key.tick(subject.action.value, at, member=subject.account)
    if subject.action is RiskAction.ACCOUNT_CHANGE:
        held.account.tick(subject.action.value, at)
    return touched


def _tick_payment(held: _Held, policy: FeaturePolicy, at: datetime) -> list[RiskKey]:
    subject, account, merchant = held.subject, held.account, held.merchant
    amount = subject.amount
    assert amount is not None  # checked by the command
    account.tick("payment_out", at, amount.minor, subject.counterparty or "")
    threshold = policy.structuring_threshold
    if amount.currency == threshold.currency and (
        threshold.scale(policy.near_share) <= amount < threshold
    ):
        account.tick("near_threshold", at, amount.minor)
    if merchant is None:
        return []
    merchant.tick("payment_in", at, amount.minor, subject.account)
    small = policy.small_payment_below
    if amount.currency == small.currency and amount < small:
        merchant.tick("small_payment_in", at, amount.minor, subject.account)
    return [merchant]


def _tick_withdrawal(held: _Held, policy: FeaturePolicy, at: datetime) -> list[RiskKey]:
    held.account.tick("withdrawal", at, _minor(held.subject.amount))
    return []


def _tick_order(held: _Held, policy: FeaturePolicy, at: datetime) -> list[RiskKey]:
    subject, merchant = held.subject, held.merchant
    minor = _minor(subject.amount)
    held.account.tick("order", at, minor, subject.counterparty or "")
    if merchant is None:
        return []
    merchant.tick("sale", at, minor, subject.account)
    return [merchant]


def _tick_refund(held: _Held, policy: FeaturePolicy, at: datetime) -> list[RiskKey]:
    account, minor = held.account, _minor(held.subject.amount)
    account.tick("refund", at, minor)
    if account.count("claim", at, MONTH):
        account.tick("refund_after_coupon", at, minor)
    return []


def _tick_claim(held: _Held, policy: FeaturePolicy, at: datetime) -> list[RiskKey]:
    subject, account = held.subject, held.account
    account.tick("claim", at, member=subject.campaign or "")
    touched = []
    if held.device is not None:
        held.device.tick("claim", at, member=subject.account)
        touched.append(held.device)
    counter = f"claim:{subject.campaign}"
    for identity in account.links:
        key = held.lookup(identity)
        if key is not None:
            key.tick(counter, at, member=subject.account)
            touched.append(key)
    return touched


_TICKS: Mapping[RiskAction, Callable[[_Held, FeaturePolicy, datetime], list[RiskKey]]] = {
    RiskAction.REGISTER: _tick_user,
    RiskAction.LOGIN: _tick_user,
    RiskAction.ACCOUNT_CHANGE: _tick_user,
    RiskAction.SMS_CODE: _tick_user,
    RiskAction.PAYMENT: _tick_payment,
    RiskAction.WITHDRAWAL: _tick_withdrawal,
    RiskAction.ORDER: _tick_order,
    RiskAction.REFUND: _tick_refund,
    RiskAction.COUPON_CLAIM: _tick_claim,
}


def tick_all(
    subject: Subject, keys: Mapping[str, RiskKey], policy: FeaturePolicy, at: datetime
) -> set[str]:
    """Link the account to its device and phone, then count the event on its keys; the
    ids of the keys changed (the account's always: it remembers the decision)."""
    linked = _link(subject, keys)
    ticked = _TICKS[subject.action](_held(subject, keys), policy, at)
    return {keys[subject.keys()[KeyKind.ACCOUNT]].id, *(key.id for key in (*linked, *ticked))}
