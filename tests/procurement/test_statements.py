"""Settlement statements: a closed period's receipts or sales, billed once, then paid."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from merx.kernel.errors import IllegalTransition, ValidationError
from merx.kernel.ids import SkuId, SupplierId
from merx.kernel.money import Money
from merx.procurement import (
    AddContractPrice,
    ConfirmSupplierStatement,
    IssuePurchasesStatement,
    IssueSalesStatement,
    NoContractPrice,
    PaySupplierStatement,
    Period,
    PeriodAlreadySettled,
    PeriodNotClosed,
    PurchaseOrderId,
    ReceivePurchaseOrder,
    SaleOutsidePeriod,
    SettledPeriods,
    SoldLine,
    Statement,
    StatementBasis,
    StatementId,
    StatementLine,
    StatementState,
    SupplierStatement,
    SupplierStatementIssued,
)
from merx.suppliers import (
    SupplierType,
    WrongSupplierType,
)
from tests.procurement.world import SupplyWorld
from tests.strategies import positive_money

A, B = SkuId("phone"), SkuId("case")
JAN = (date(2026, 1, 1), date(2026, 2, 1))
FEB = (date(2026, 2, 1), date(2026, 3, 1))


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


def on(world: SupplyWorld, day: date) -> None:
    world.clock.set(datetime(day.year, day.month, day.day, 10, tzinfo=UTC))


def receive(world: SupplyWorld, order_id: PurchaseOrderId, ref: str, **items: int) -> None:
    world.handle(
        ReceivePurchaseOrder(order_id, ref, tuple((SkuId(s), q) for s, q in items.items()))
    )


def test_a_purchases_statement_bills_the_receipts_of_its_period(world: SupplyWorld) -> None:
    order_id = world.approved_purchase_order(
        {"phone": 10, "case": 5}, {"phone": "100.00", "case": "8.00"}
    )
    supplier_id = world.get_order_supplier(order_id)
    on(world, date(2026, 1, 20))
    receive(world, order_id, "GRN-1", phone=4, case=5)
    on(world, date(2026, 2, 3))
    receive(world, order_id, "GRN-2", phone=6)
    statement_id = world.handle(IssuePurchasesStatement(supplier_id, *JAN))
    issued = world.get(SupplierStatement, statement_id)
    statement = issued.statement
    assert statement.basis is StatementBasis.PURCHASES
    assert [(line.sku, line.quantity, line.amount) for line in statement.lines] == [
        ("case", 5, cny("40.00")),  # by date, reference, then sku
        ("phone", 4, cny("400.00")),
    ]
    assert statement.total == cny("440.00")
    assert {line.reference for line in statement.lines} == {f"{order_id}/GRN-1"}
    assert issued.status is StatementState.ISSUED
    event = world.events.of(SupplierStatementIssued)[-1]
    assert event.total == cny("440.00")  # type: ignore[attr-defined]


def test_statement_periods_never_overlap_and_must_be_over(world: SupplyWorld) -> None:
    order_id = world.approved_purchase_order({"phone": 10})
    supplier_id = world.get_order_supplier(order_id)
    on(world, date(2026, 1, 31))
    with pytest.raises(PeriodNotClosed, match="2026-01-31"):
        world.handle(IssuePurchasesStatement(supplier_id, *JAN))
    on(world, date(2026, 3, 1))
    world.handle(IssuePurchasesStatement(supplier_id, *JAN))
    before = world.snapshot()
    with pytest.raises(PeriodAlreadySettled, match="settled until 2026-02-01"):
        world.handle(IssuePurchasesStatement(supplier_id, date(2026, 1, 15), date(2026, 2, 15)))
    assert world.snapshot() == before
    world.handle(IssuePurchasesStatement(supplier_id, *FEB))
    settled = world.get(SettledPeriods, supplier_id)
    assert settled.settled_until == {StatementBasis.PURCHASES: date(2026, 3, 1)}


def test_issuing_books_the_period_and_a_refusal_books_nothing() -> None:
    """The guard that was ``Supplier.settled_until`` is its own aggregate now: issuing
    books the period there and records ``SupplierStatementIssued``; a refused issue
    changes neither."""
    supplier_id = SupplierId("sup-1")
    settled = SettledPeriods(id=supplier_id)
    line = StatementLine(A, 2, cny("3.00"), date(2026, 1, 10), "r1")

    def statement(period: tuple[date, date], who: SupplierId = supplier_id) -> Statement:
        return Statement.of(
            supplier_id=who,
            basis=StatementBasis.SALES,
            period=Period(*period),
            currency="CNY",
            lines=[line] if period == JAN else [],
        )

    at = datetime(2026, 2, 1, 9, tzinfo=UTC)
    issued = SupplierStatement.issue(
        statement_id=StatementId("sst-1"), settled=settled, statement=statement(JAN), at=at
    )
    assert settled.settled_until == {StatementBasis.SALES: date(2026, 2, 1)}
    [event] = issued.pending_events
    assert isinstance(event, SupplierStatementIssued)
    assert (event.basis, event.period, event.total) == (
        StatementBasis.SALES,
        Period(*JAN),
        cny("6.00"),
    )
    refusals: list[tuple[type[Exception], Statement]] = [
        (PeriodNotClosed, statement(FEB)),  # not over on 2026-02-01
        (PeriodAlreadySettled, statement((date(2026, 1, 20), date(2026, 2, 1)))),
        (ValidationError, statement((date(2026, 1, 2), date(2026, 1, 3)), SupplierId("x"))),
    ]
    for error, refused in refusals:
        with pytest.raises(error):
            SupplierStatement.issue(
                statement_id=StatementId("sst-2"), settled=settled, statement=refused, at=at
            )
        assert settled.settled_until == {StatementBasis.SALES: date(2026, 2, 1)}
    assert settled.pending_events == []


def test_a_sales_statement_prices_each_sale_on_its_date(world: SupplyWorld) -> None:
    supplier_id = world.approved_supplier(SupplierType.CONSIGNMENT)
    contract_id = world.signed_contract(
        supplier_id, {"phone": "100.00"}, (date(2026, 1, 1), date(2026, 1, 16))
    )
    world.handle(
        AddContractPrice(contract_id, A, cny("90.00"), date(2026, 1, 16), date(2026, 3, 1))
    )
    sold = (
        SoldLine(A, 2, date(2026, 1, 10), "ord-1"),
        SoldLine(A, 1, date(2026, 1, 20), "ord-2"),
    )
    on(world, date(2026, 2, 2))
    statement_id = world.handle(IssueSalesStatement(supplier_id, contract_id, *JAN, sold))
    statement = world.get(SupplierStatement, statement_id).statement
    assert statement.basis is StatementBasis.SALES
    assert [line.unit_cost for line in statement.lines] == [cny("100.00"), cny("90.00")]
    assert statement.total == cny("290.00")


def test_a_sales_statement_refuses_sales_it_cannot_price_or_place(world: SupplyWorld) -> None:
    supplier_id = world.approved_supplier(SupplierType.CONSIGNMENT)
    contract_id = world.signed_contract(supplier_id, {"phone": "100.00"})
    on(world, date(2026, 2, 2))
    before = world.snapshot()
    outside = (SoldLine(A, 1, date(2026, 2, 1)),)
    with pytest.raises(SaleOutsidePeriod):
        world.handle(IssueSalesStatement(supplier_id, contract_id, *JAN, outside))
    unpriced = (SoldLine(B, 1, date(2026, 1, 3)),)
    with pytest.raises(NoContractPrice):
        world.handle(IssueSalesStatement(supplier_id, contract_id, *JAN, unpriced))
    assert world.snapshot() == before


def test_each_basis_needs_the_right_supplier_type(world: SupplyWorld) -> None:
    consignor = world.approved_supplier(SupplierType.CONSIGNMENT)
    contract_id = world.signed_contract(consignor, {"phone": "1.00"})
    stocked = world.approved_supplier(SupplierType.STOCKED)
    stocked_contract = world.signed_contract(stocked, {"phone": "1.00"})
    on(world, date(2026, 2, 2))
    with pytest.raises(WrongSupplierType):
        world.handle(IssuePurchasesStatement(consignor, *JAN))
    with pytest.raises(WrongSupplierType):
        world.handle(IssueSalesStatement(stocked, stocked_contract, *JAN, ()))
    with pytest.raises(ValidationError, match="is with"):
        world.handle(IssueSalesStatement(consignor, stocked_contract, *JAN, ()))
    real_time = world.approved_supplier(SupplierType.REAL_TIME_API)
    topups = world.signed_contract(real_time, {"topup-100": "98.50"})
    sold = (SoldLine(SkuId("topup-100"), 3, date(2026, 1, 9), "ord-7"),)
    statement_id = world.handle(IssueSalesStatement(real_time, topups, *JAN, sold))
    assert world.get(SupplierStatement, statement_id).total == cny("295.50")
    _ = contract_id


def test_issued_then_confirmed_then_paid(world: SupplyWorld) -> None:
    order_id = world.approved_purchase_order({"phone": 1})
    supplier_id = world.get_order_supplier(order_id)
    on(world, date(2026, 2, 1))
    statement_id = world.handle(IssuePurchasesStatement(supplier_id, *JAN))
    with pytest.raises(IllegalTransition, match="cannot 'pay' in state 'issued'"):
        world.handle(PaySupplierStatement(statement_id, "bank-1"))
    world.handle(ConfirmSupplierStatement(statement_id))
    world.handle(PaySupplierStatement(statement_id, "bank-1"))
    paid = world.get(SupplierStatement, statement_id)
    assert paid.status is StatementState.PAID
    assert paid.payment_reference == "bank-1"
    with pytest.raises(IllegalTransition):
        world.handle(PaySupplierStatement(statement_id, "bank-2"))


def test_a_statement_value_checks_its_total_and_its_lines() -> None:
    period = Period(*JAN)
    line = StatementLine(A, 2, cny("1.50"), date(2026, 1, 2), "r")
    with pytest.raises(ValidationError, match="not its lines'"):
        Statement(SupplierId("s"), StatementBasis.SALES, period, "CNY", (line,), cny("2.00"))
    late = StatementLine(A, 2, cny("1.50"), date(2026, 2, 2), "r")
    with pytest.raises(ValidationError, match="outside"):
        Statement.of(
            supplier_id=SupplierId("s"),
            basis=StatementBasis.SALES,
            period=period,
            currency="CNY",
            lines=[late],
        )
    empty = Statement.of(
        supplier_id=SupplierId("s"),
        basis=StatementBasis.SALES,
        period=period,
        currency="CNY",
        lines=[],
    )
    assert empty.total == cny("0")


@given(
    st.lists(
        st.tuples(st.integers(1, 1000), positive_money("CNY", 10**7), st.integers(0, 30)),
        max_size=30,
    )
)
def test_a_statement_total_is_the_sum_of_its_lines(
    rows: list[tuple[int, Money, int]],
) -> None:
    lines = [
        StatementLine(
            SkuId(f"sku-{i % 3}"), qty, cost, date(2026, 1, 1) + timedelta(days=d), f"r{i}"
        )
        for i, (qty, cost, d) in enumerate(rows)
    ]
    statement = Statement.of(
        supplier_id=SupplierId("s"),
        basis=StatementBasis.PURCHASES,
        period=Period(*JAN),
        currency="CNY",
        lines=lines,
    )
    assert statement.total == Money.sum((line.amount for line in statement.lines), "CNY")
    assert statement.total.minor == sum(qty * cost.minor for qty, cost, _ in rows)
    assert sorted(statement.lines, key=repr) == sorted(lines, key=repr)


@given(
    receipts=st.lists(st.tuples(st.integers(0, 58), st.integers(1, 3)), min_size=1, max_size=8),
    cut=st.integers(1, 58),
)
def test_consecutive_statements_bill_every_receipt_exactly_once(
    receipts: list[tuple[int, int]], cut: int
) -> None:
    from tests.procurement.world import make_world

    world = make_world(datetime(2026, 1, 1, 8, tzinfo=UTC))
    total_units = sum(q for _, q in receipts)
    order_id = world.approved_purchase_order({"phone": total_units}, {"phone": "7.00"})
    supplier_id = world.get_order_supplier(order_id)
    for n, (day, quantity) in enumerate(sorted(receipts)):
        on(world, date(2026, 1, 1) + timedelta(days=day))
        receive(world, order_id, f"GRN-{n}", phone=quantity)
    on(world, date(2026, 3, 1))
    middle = date(2026, 1, 1) + timedelta(days=cut)
    first = world.handle(IssuePurchasesStatement(supplier_id, date(2026, 1, 1), middle))
    second = world.handle(IssuePurchasesStatement(supplier_id, middle, date(2026, 3, 1)))
    totals = [world.get(SupplierStatement, sid).total for sid in (first, second)]
    assert Money.sum(totals, "CNY") == cny("7.00") * total_units
