"""``facts_of``: which event makes which fact, with what; event ids; and the checks on a
fact's values."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from merx import credit, funding, installments, orders, payments, promotions, risk, settlement
from merx.credit import PlanId
from merx.data import COLLECTED, Fact, InvalidFact, OrderSide, event_id_of, facts_of, to_us
from merx.kernel.events import DomainEvent
from merx.kernel.ids import CustomerId, MerchantId, OrderId, PaymentId
from merx.kernel.money import Money

AT = datetime(2026, 5, 4, 10, 30, tzinfo=UTC)
COLLECTED_AT = AT + timedelta(minutes=5)


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


class Shop:
    """An :class:`~merx.data.Attribution` over a few known things."""

    def order(self, order_id: str) -> OrderSide | None:
        if order_id != "o1":
            return None
        return OrderSide(
            "mer-1",
            "goods",
            (("phones", 1),),
            payable_minor=12_000,
            currency="CNY",
            commission_minor=600,
        )

    def payment_channel(self, payment_id: str) -> str | None:
        return {"pay-1": "alipay"}.get(payment_id)

    def campaign_funder(self, campaign_id: str) -> str | None:
        return {"c1": "platform"}.get(campaign_id)


def made(event: DomainEvent) -> tuple[Fact, ...]:
    return facts_of(event, at=COLLECTED_AT, attribution=Shop())


def test_an_order_paid_is_a_fact_with_its_merchant_category_amount_and_time() -> None:
    event = orders.OrderPaid(OrderId("o1"), "pay-1", cny("120.00"), AT, CustomerId("cus-1"))
    (fact,) = made(event)
    assert fact == Fact(
        event_id_of(event), "order.paid", to_us(AT), merchant="mer-1", category="phones",
        subject="o1", customer="cus-1", amount_minor=12_000, currency="CNY",
    )  # fmt: skip
    assert fact.occurred_at == AT
    assert fact.day == date(2026, 5, 4)
    assert fact.amount == cny("120.00")


def test_an_order_the_lookup_does_not_know_keeps_what_the_event_says() -> None:
    (fact,) = made(orders.OrderPlaced(OrderId("o9"), CustomerId("cus-1"), cny("5.00"), AT))
    assert (fact.kind, fact.merchant, fact.subject, fact.amount_minor) == (
        "order.placed",
        "",
        "o9",
        500,
    )


def test_a_budget_consumed_is_the_cost_and_the_sales_of_its_campaign() -> None:
    event = promotions.BudgetConsumed("c1", "o1", cny("10.00"))
    cost, sales = made(event)
    assert (cost.kind, cost.amount_minor, cost.campaign, cost.funder) == (
        "promotion.consumed", 1000, "c1", "platform",
    )  # fmt: skip
    assert (sales.kind, sales.amount_minor, sales.merchant) == ("promotion.sales", 12_000, "mer-1")
    assert cost.fact_id == event_id_of(event)
    assert sales.fact_id == f"{event_id_of(event)}:1"
    assert cost.occurred_at == COLLECTED_AT  # the event does not say when: the collection


def test_an_order_cleared_owes_each_merchant_and_earns_the_commission() -> None:
    event = settlement.OrderCompleted(
        OrderId("o1"), date(2026, 5, 4), ((MerchantId("mer-1"), cny("110.00")),), AT
    )
    owed, commission = made(event)
    assert (owed.kind, owed.merchant, owed.amount_minor) == ("settlement.owed", "mer-1", 11_000)
    assert (commission.kind, commission.amount_minor) == ("commission.earned", 600)


def test_payments_carry_their_channel() -> None:
    ok = payments.PaymentSucceeded(PaymentId("pay-1"), OrderId("o1"), cny("1.00"), AT)
    failed = payments.PaymentFailed(PaymentId("pay-2"), OrderId("o1"), "13800138000 declined", AT)
    assert made(ok)[0].channel == "alipay"
    (fact,) = made(failed)
    assert (fact.kind, fact.channel) == ("payment.failed", "")
    assert "13800138000" not in repr(fact)  # the channel's reason text is never kept


def test_bills_credit_and_assets_make_stock_facts() -> None:
    bill = installments.BillIssued("b1", CustomerId("cus-1"), date(2026, 5, 1), date(2026, 5, 20),
                                   cny("300.00"))  # fmt: skip
    (issued,) = made(bill)
    assert issued.due_day == (date(2026, 5, 20) - date(1970, 1, 1)).days
    (drawn,) = made(credit.CreditLimitDrawn(CustomerId("cus-1"), PlanId("p1"), OrderId("o1"),
                                            cny("99.00")))  # fmt: skip
    assert (drawn.kind, drawn.subject, drawn.amount_minor) == ("credit.drawn", "p1", 9900)
    funded = funding.AssetFunded("a1", OrderId("o1"), "fund-1", funding.FundingChannel.TRUST,
                                 cny("99.00"))  # fmt: skip
    (asset,) = made(funded)
    assert (asset.funder, asset.channel) == ("fund-1", "trust")
    (closed,) = made(funding.AssetSettled("a1", "fund-1"))
    assert (closed.kind, closed.subject) == ("asset.closed", "a1")


def test_a_risk_decision_is_counted_by_outcome_and_action() -> None:
    decided = risk.RiskDecided("d1", "payment", risk.Outcome.CHALLENGE, None, ("aml.large",), 2, AT)
    (fact,) = made(decided)
    assert (fact.kind, fact.outcome, fact.category, fact.subject, fact.at_us) == (
        "risk.decided", "challenge", "payment", "d1", to_us(AT),
    )  # fmt: skip


def test_an_event_of_another_kind_makes_no_fact() -> None:
    assert made(orders.OrderShipped(OrderId("o1"), ("s1",), AT)) == ()
    assert orders.OrderShipped not in COLLECTED


@given(st.text(max_size=20), st.integers(0, 10**9))
def test_an_event_id_is_the_same_for_the_same_event_and_differs_for_another(
    order: str, minor: int
) -> None:
    one = orders.OrderPaid(OrderId(order), "p", Money.from_minor(minor, "CNY"), AT)
    assert event_id_of(one) == event_id_of(attrs.evolve(one))
    assert event_id_of(one) != event_id_of(
        attrs.evolve(one, amount=Money.from_minor(minor + 1, "CNY"))
    )
    other = orders.OrderPlaced(OrderId(order), CustomerId(""), Money.from_minor(minor, "CNY"), AT)
    assert event_id_of(one) != event_id_of(other)


def test_the_outbox_id_is_used_when_given() -> None:
    event = promotions.BudgetConsumed("c1", "o1", cny("1.00"))
    ids = [f.fact_id for f in facts_of(event, at=AT, event_id="evt-7", attribution=Shop())]
    assert ids == ["evt-7", "evt-7:1"]


@pytest.mark.parametrize(
    ("fields", "wrong"),
    [
        ({"fact_id": ""}, "both are required"),
        ({"kind": ""}, "both are required"),
        ({"units": -1}, "negative units -1"),
        ({"currency": "XXX"}, "unknown currency 'XXX'"),
        ({"amount_minor": 5}, "amount 5 has no currency"),
    ],
)
def test_a_fact_refuses_wrong_values(fields: dict[str, object], wrong: str) -> None:
    values: dict[str, object] = {"fact_id": "f", "kind": "k", "at_us": 0} | fields
    with pytest.raises(InvalidFact, match=wrong):
        Fact(**values)  # type: ignore[arg-type]


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(InvalidFact, match="no time zone"):
        to_us(datetime(2026, 1, 1))
