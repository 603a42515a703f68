"""The settlement spec's entry point: book one marketplace order through the ledger.

:func:`settle_from_dict` reads a case of ``../shared/spec/settlement`` (lines, commission
table, refunds in order), books the payment, the completion and every refund on a fresh
:class:`~merx.ledger.Ledger` (with the empty journal it is given) through
:class:`~merx.settlement.model.OrderClearing` - exactly the entries the services post -
and reads the net figures back from the ledger's accounts. Malformed input raises a
:class:`~merx.errors.ValidationError`; a refund beyond what is left paid on its line
raises :class:`~merx.settlement.errors.RefundExceedsPaid`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from merx.kernel.errors import ValidationError
from merx.kernel.ids import MerchantId, OrderId
from merx.kernel.money import Money
from merx.ledger import (
    COMMISSION,
    REFUNDS,
    SUBSIDY,
    Bucket,
    EntryKind,
    Journal,
    Ledger,
    cash_account,
    merchant_account,
    merchant_accounts,
)
from merx.settlement.model import (
    CommissionTable,
    OrderClearing,
    RefundKind,
    SaleLine,
    owed,
)

_AT = datetime(2026, 1, 1, tzinfo=UTC)
_CHANNEL = "spec"
_ORDER = OrderId("spec-order")


def _field(data: Mapping[str, Any], name: str, what: str) -> Any:
    if not isinstance(data, Mapping):
        raise ValidationError(f"{what} must be an object, not {data!r}")
    if name not in data:
        raise ValidationError(f"{what} has no {name!r}")
    return data[name]


def _text(data: Mapping[str, Any], name: str, what: str) -> str:
    value = _field(data, name, what)
    if not isinstance(value, str) or not value:
        raise ValidationError(f"{what}: {name} must be a non-empty string, not {value!r}")
    return value


def _money(data: Mapping[str, Any], name: str, currency: str, what: str) -> Money:
    value = _field(data, name, what)
    if not isinstance(value, str):
        raise ValidationError(f"{what}: {name} must be a decimal string, not {value!r}")
    return Money.of(value, currency)


def _table(data: Any) -> CommissionTable:
    if not isinstance(data, Mapping):
        raise ValidationError(f"commission must be an object, not {data!r}")
    unknown = set(data) - {"default", "skus", "merchant_categories", "categories", "merchants"}
    if unknown:
        raise ValidationError(f"commission has unknown tables {sorted(unknown)}")
    return CommissionTable(
        default=_field(data, "default", "commission"),
        skus=data.get("skus", {}),
        merchant_categories=data.get("merchant_categories", {}),
        categories=data.get("categories", {}),
        merchants=data.get("merchants", {}),
    )


def settle_from_dict(case: Mapping[str, Any], *, journal: Journal) -> dict[str, Any]:
    """Book ``case`` (into ``journal``, empty) and return ``{"paid", "commission",
    "subsidy", "refunded", "merchants"}`` as decimal strings (see the module docstring)."""
    currency = _text(case, "currency", "case")
    table = _table(_field(case, "commission", "case"))
    raw_lines = _field(case, "lines", "case")
    raw_refunds = case.get("refunds", [])
    if not isinstance(raw_lines, list) or not isinstance(raw_refunds, list):
        raise ValidationError("lines and refunds must be lists")
    sales = []
    for i, raw in enumerate(raw_lines):
        what = f"line {i}"
        sales.append(
            SaleLine(
                sku=_text(raw, "sku", what),
                merchant=MerchantId(_text(raw, "merchant", what)),
                category=_text(raw, "category", what),
                amount=_money(raw, "amount", currency, what),
                merchant_discount=_money(raw, "merchant_discount", currency, what),
                platform_discount=_money(raw, "platform_discount", currency, what),
            )
        )
    clearing = OrderClearing.book_payment(
        order_id=_ORDER, channel=_CHANNEL, sales=sales, table=table, at=_AT
    )
    ledger = Ledger.open("spec", currency, [_CHANNEL])
    for merchant in clearing.merchants:
        ledger.open_accounts(merchant_accounts(merchant))
    legs = clearing.payment_legs()
    if legs:
        ledger.post(journal, f"{_ORDER}/paid", EntryKind.ORDER_PAID, _ORDER, legs, _AT)
    legs = clearing.complete(date(2026, 1, 1), _AT)
    if legs:
        ledger.post(journal, f"{_ORDER}/cleared", EntryKind.ORDER_CLEARED, _ORDER, legs, _AT)
    for i, raw in enumerate(raw_refunds):
        what = f"refund {i}"
        refund_id = f"r{i}"
        sku = _text(raw, "sku", what)
        amount = _money(raw, "amount", currency, what)
        legs, _ = clearing.refund(refund_id, sku, amount, RefundKind.REFUND, _AT)
        key = f"{_ORDER}/refund/{refund_id}"
        ledger.post(journal, key, EntryKind.REFUND, _ORDER, legs, _AT)
        payout = clearing.refund_payout_legs(refund_id)
        ledger.post(journal, f"{key}/paid", EntryKind.REFUND_PAID, _ORDER, payout, _AT)

    def text(minor: int) -> str:
        return str(ledger.money(minor).amount)

    merchants = {
        merchant: text(
            owed(ledger, journal, merchant_account(merchant, Bucket.PENDING))
            + owed(ledger, journal, merchant_account(merchant, Bucket.AVAILABLE))
        )
        for merchant in clearing.merchants
    }
    return {
        "paid": text(ledger.balance(journal, cash_account(_CHANNEL))),
        "commission": text(owed(ledger, journal, COMMISSION)),
        "subsidy": text(ledger.balance(journal, SUBSIDY)),
        "refunded": text(ledger.figures(journal, REFUNDS).credits),
        "merchants": merchants,
    }
