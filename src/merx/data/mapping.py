"""From domain events to facts: :func:`facts_of`, the one place that says which event
makes which fact.

An event as published carries no id of its own, so :func:`event_id_of` derives one from
what it says (its class and fields): an event delivered twice, by the publisher or by the
outbox relay, makes facts with the same ids, which a store keeps once. (Every event here
names the thing it changed and carries its instant, amount or position, so two different
events never say the same.) A host that collects only from the outbox may pass the
outbox's event id instead, but then always: one event under two kinds of id counts twice.

What a fact may carry is ids, enum values and amounts: never a reason text, an address, a
name or an account (see docs/data.md, "No personal data"). Events that do not say when
they happened (a budget consumed, a credit draw) take ``at``, the instant they are
collected. Events of kinds not listed make no fact.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime
from typing import Any, Final

from merx import (
    checkout,
    credit,
    fulfillment,
    funding,
    installments,
    orders,
    payments,
    promotions,
    risk,
    settlement,
)
from merx.data.facts import Fact, day_number, to_us
from merx.data.ports import Attribution, NoAttribution, OrderSide
from merx.kernel.events import DomainEvent
from merx.kernel.money import Money


def event_id_of(event: DomainEvent) -> str:
    """An event's id derived from its class and fields (32 hex digits)."""
    kind = type(event)
    text = f"{kind.__module__}.{kind.__qualname__}|{event!r}"
    return hashlib.sha256(text.encode()).hexdigest()[:32]


class _Making:
    """What one event's facts share: the id they derive from, the time, the lookups."""

    def __init__(self, event_id: str, at: datetime, attribution: Attribution) -> None:
        self.event_id = event_id
        self.at = at
        self.attribution = attribution
        self.made: list[Fact] = []

    def fact(self, kind: str, at: datetime | None = None, **fields: Any) -> None:
        n = len(self.made)
        fact_id = self.event_id if n == 0 else f"{self.event_id}:{n}"
        self.made.append(Fact(fact_id, kind, to_us(at or self.at), **fields))

    def order(self, order_id: str) -> OrderSide:
        return self.attribution.order(order_id) or OrderSide()

    def by_category(
        self,
        kind: str,
        side: OrderSide,
        at: datetime | None = None,
        *,
        amount: Money | None = None,
        units: int = 1,
        merchant: str | None = None,
        **fields: Any,
    ) -> None:
        """An order's fact, one per catalog category of its lines: ``amount`` split by
        their weights (:meth:`Money.allocate`, so the shares add up to it; equal weights
        when all weigh nothing), ``units`` on the heaviest category's fact (0 on the
        others, so counts add up too); a category whose share is nothing makes no fact.
        Without an amount, or with one category, one fact of the main category."""
        dims = {"merchant": side.merchant if merchant is None else merchant, **fields}
        if amount is None or len(side.categories) < 2:
            money = {} if amount is None else _money(amount)
            self.fact(kind, at, category=side.category, units=units, **dims, **money)
            return
        weights = [weight for _, weight in side.categories]
        shares = amount.allocate(weights if any(weights) else [1] * len(weights))
        for n, ((category, _), share) in enumerate(zip(side.categories, shares, strict=True)):
            if n == 0 or not share.is_zero():
                self.fact(
                    kind, at, category=category, units=units if n == 0 else 0, **dims,
                    **_money(share),
                )  # fmt: skip


def _money(amount: Money) -> dict[str, Any]:
    return {"amount_minor": amount.minor, "currency": amount.currency}


def _quote_made(e: checkout.QuoteMade, m: _Making) -> None:
    """One fact per seller and category quoted, the payable split by their goods' net
    (:meth:`Money.allocate`; equal shares when all net nothing), the quote's unit on the
    heaviest (ties: the earlier line); a share of nothing makes no fact unless it is the
    first."""
    goods = sorted(enumerate(e.goods), key=lambda item: (-item[1][2].minor, item[0]))
    if not goods:
        m.fact("quote.made", e.at, subject=e.quote_id, customer=e.customer_id, **_money(e.payable))
        return
    weights = [max(net.minor, 0) for _, (_, _, net) in goods]
    shares = e.payable.allocate(weights if any(weights) else [1] * len(weights))
    for n, ((_, (merchant, category, _)), share) in enumerate(zip(goods, shares, strict=True)):
        if n == 0 or not share.is_zero():
            m.fact(
                "quote.made", e.at, subject=e.quote_id, customer=e.customer_id,
                merchant=merchant, category=category, units=1 if n == 0 else 0, **_money(share),
            )  # fmt: skip


def _order_placed(e: orders.OrderPlaced, m: _Making) -> None:
    side = m.order(e.order_id)
    m.by_category(
        "order.placed", side, e.at, amount=e.payable, subject=e.order_id, customer=e.customer_id
    )


def _order_paid(e: orders.OrderPaid, m: _Making) -> None:
    side = m.order(e.order_id)
    m.by_category(
        "order.paid", side, e.at, amount=e.amount, subject=e.order_id, customer=e.customer_id or ""
    )


def _order_cancelled(e: orders.OrderCancelled, m: _Making) -> None:
    m.by_category("order.cancelled", m.order(e.order_id), e.at, subject=e.order_id)


def _payment_started(e: payments.PaymentInitiated, m: _Making) -> None:
    m.fact("payment.started", e.at, subject=e.payment_id, channel=e.channel, **_money(e.amount))


def _payment_succeeded(e: payments.PaymentSucceeded, m: _Making) -> None:
    channel = m.attribution.payment_channel(e.payment_id) or ""
    m.fact("payment.succeeded", e.at, subject=e.payment_id, channel=channel, **_money(e.amount))


def _payment_failed(e: payments.PaymentFailed, m: _Making) -> None:
    channel = m.attribution.payment_channel(e.payment_id) or ""
    m.fact("payment.failed", e.at, subject=e.payment_id, channel=channel)


def _refund_succeeded(e: payments.RefundSucceeded, m: _Making) -> None:
    m.by_category(
        "refund.succeeded",
        m.order(e.order_id),
        e.at,
        amount=e.amount,
        subject=e.refund_id,
        channel=m.attribution.payment_channel(e.payment_id) or "",
    )


def _budget_consumed(e: promotions.BudgetConsumed, m: _Making) -> None:
    side = m.order(e.order_id)
    dims: dict[str, Any] = {
        "subject": e.order_id,
        "campaign": e.campaign_id,
        "funder": m.attribution.campaign_funder(e.campaign_id) or "",
    }
    m.by_category("promotion.consumed", side, amount=e.amount, **dims)
    if side.currency:
        sales = Money.from_minor(side.payable_minor, side.currency)
        m.by_category("promotion.sales", side, amount=sales, **dims)


def _budget_released(e: promotions.BudgetReleased, m: _Making) -> None:
    m.by_category(
        "promotion.released",
        m.order(e.order_id),
        amount=e.amount,
        subject=e.order_id,
        campaign=e.campaign_id,
        funder=m.attribution.campaign_funder(e.campaign_id) or "",
    )


def _order_cleared(e: settlement.OrderCompleted, m: _Making) -> None:
    side = m.order(e.order_id)
    for merchant, owed in e.owed:
        m.by_category(
            "settlement.owed", side, e.at, amount=owed, merchant=merchant, subject=e.order_id
        )
    if side.commission_minor is not None and side.currency:
        commission = Money.from_minor(side.commission_minor, side.currency)
        m.by_category("commission.earned", side, e.at, amount=commission, subject=e.order_id)


def _order_settled(e: settlement.OrderSettled, m: _Making) -> None:
    m.fact(
        "settlement.settled", e.at, subject=e.order_id, merchant=e.merchant_id, **_money(e.amount)
    )


def _topup_opened(e: fulfillment.TopUpOpened, m: _Making) -> None:
    m.by_category("topup.opened", m.order(e.order_id), subject=e.top_up_id, units=e.units)


def _topup_settled(e: fulfillment.TopUpUnitSettled, m: _Making) -> None:
    kind = "topup.succeeded" if e.status is fulfillment.UnitStatus.SUCCEEDED else "topup.failed"
    m.by_category(kind, m.order(e.order_id), subject=e.top_up_id)


def _credit_drawn(e: credit.CreditLimitDrawn, m: _Making) -> None:
    m.fact("credit.drawn", subject=e.plan_id, customer=e.customer_id, **_money(e.amount))


def _credit_restored(e: credit.CreditLimitRestored, m: _Making) -> None:
    m.fact("credit.restored", subject=e.plan_id, customer=e.customer_id, **_money(e.amount))


def _bill_issued(e: installments.BillIssued, m: _Making) -> None:
    m.fact(
        "bill.issued",
        subject=e.bill_id,
        customer=e.customer_id,
        due_day=day_number(e.due_date),
        **_money(e.total),
    )


def _bill_paid(e: installments.BillPaid, m: _Making) -> None:
    m.fact("bill.paid", subject=e.bill_id, customer=e.customer_id)


def _asset_funded(e: funding.AssetFunded, m: _Making) -> None:
    m.fact(
        "asset.funded",
        subject=e.asset_id,
        funder=e.funder_id,
        channel=e.channel.value,
        **_money(e.principal),
    )


def _asset_closed(
    e: funding.AssetSettled | funding.AssetRepurchased | funding.AssetSold, m: _Making
) -> None:
    m.fact("asset.closed", subject=e.asset_id)


def _funding_timed_out(e: funding.FundingTimedOut, m: _Making) -> None:
    m.fact("funding.timed_out", subject=e.asset_id, funder=e.funder_id)


def _risk_decided(e: risk.RiskDecided, m: _Making) -> None:
    """A decision by outcome, its action (order, payment, refund...) as the category."""
    m.fact("risk.decided", e.at, outcome=e.outcome.value, category=e.action, subject=e.decision_id)


_MAPPING: Final[dict[type[DomainEvent], Callable[[Any, _Making], None]]] = {
    checkout.QuoteMade: _quote_made,
    orders.OrderPlaced: _order_placed,
    orders.OrderPaid: _order_paid,
    orders.OrderCancelled: _order_cancelled,
    payments.PaymentInitiated: _payment_started,
    payments.PaymentSucceeded: _payment_succeeded,
    payments.PaymentFailed: _payment_failed,
    payments.RefundSucceeded: _refund_succeeded,
    promotions.BudgetConsumed: _budget_consumed,
    promotions.BudgetReleased: _budget_released,
    settlement.OrderCompleted: _order_cleared,
    settlement.OrderSettled: _order_settled,
    fulfillment.TopUpOpened: _topup_opened,
    fulfillment.TopUpUnitSettled: _topup_settled,
    credit.CreditLimitDrawn: _credit_drawn,
    credit.CreditLimitRestored: _credit_restored,
    installments.BillIssued: _bill_issued,
    installments.BillPaid: _bill_paid,
    funding.AssetFunded: _asset_funded,
    funding.AssetSettled: _asset_closed,
    funding.AssetRepurchased: _asset_closed,
    funding.AssetSold: _asset_closed,
    funding.FundingTimedOut: _funding_timed_out,
    risk.RiskDecided: _risk_decided,
}

#: The event classes that make facts.
COLLECTED: Final = tuple(_MAPPING)


def facts_of(
    event: DomainEvent,
    *,
    at: datetime,
    event_id: str | None = None,
    attribution: Attribution | None = None,
) -> tuple[Fact, ...]:
    """The facts ``event`` makes (none for a kind not collected). ``at``: when it was
    collected, the time of an event that does not carry its own; ``event_id``: the
    outbox's id if known, else :func:`event_id_of`."""
    make = _MAPPING.get(type(event))
    if make is None:
        return ()
    making = _Making(event_id or event_id_of(event), at, attribution or NoAttribution())
    make(event, making)
    return tuple(making.made)
