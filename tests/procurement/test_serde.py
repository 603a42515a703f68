"""The procurement converter: every public type to plain JSON and back, unchanged."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from merx.kernel.errors import ValidationError
from merx.kernel.ids import SkuId, SupplierId, WarehouseId
from merx.kernel.money import Money
from merx.procurement import (
    AddContractPrice,
    Contract,
    ContractId,
    ContractPrice,
    ContractState,
    DraftPurchaseOrder,
    IssueSalesStatement,
    Period,
    PurchaseOrder,
    PurchaseOrderId,
    PurchaseOrderLine,
    PurchaseOrderReceived,
    PurchaseOrderState,
    Receipt,
    ReceiptLine,
    SettledPeriods,
    SoldLine,
    Statement,
    StatementBasis,
    StatementId,
    StatementLine,
    StatementState,
    SupplierStatement,
)
from merx.procurement.serde import structure, unstructure
from tests.qualification.strategies import DAY0, days, ids, texts
from tests.strategies import any_money, positive_money

instants = st.datetimes(
    min_value=datetime(2000, 1, 1),
    max_value=datetime(2100, 1, 1),
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=8)), timezone(timedelta(hours=-5))]),
)
skus = ids.map(SkuId)
periods = st.tuples(days, st.integers(1, 400)).map(
    lambda p: Period(p[0], p[0] + timedelta(days=p[1]))
)
cny = positive_money("CNY", 10**8)
quantities = st.integers(1, 10**6)


settled_periods = st.builds(
    SettledPeriods,
    id=ids.map(SupplierId),
    settled_until=st.dictionaries(st.sampled_from(StatementBasis), days),
    version=st.integers(0, 50),
)

contract_prices = st.builds(ContractPrice, skus, cny, periods)

contracts = st.builds(
    Contract,
    id=ids.map(ContractId),
    supplier_id=ids.map(SupplierId),
    currency=st.just("CNY"),
    prices=st.lists(contract_prices, max_size=4).map(tuple),
    status=st.sampled_from(ContractState),
    signed_on=st.none() | days,
    terminated_on=st.none() | days,
    termination_reason=st.none() | texts,
    version=st.integers(0, 50),
)

receipt_lines = st.builds(ReceiptLine, skus, quantities, cny)
receipts = st.builds(Receipt, ids, days, st.lists(receipt_lines, min_size=1, max_size=3).map(tuple))

purchase_orders = st.builds(
    PurchaseOrder,
    id=ids.map(PurchaseOrderId),
    supplier_id=ids.map(SupplierId),
    contract_id=ids.map(ContractId),
    warehouse=ids.map(WarehouseId),
    currency=st.just("CNY"),
    ordered_on=days,
    lines=st.lists(st.builds(PurchaseOrderLine, skus, quantities, cny), max_size=3).map(tuple),
    status=st.sampled_from(PurchaseOrderState),
    receipts=st.lists(receipts, max_size=3).map(tuple),
    reason=st.none() | texts,
)


@st.composite
def statements(draw: st.DrawFn) -> Statement:
    period = draw(periods)
    span = (period.end - period.start).days
    lines = draw(
        st.lists(
            st.builds(
                StatementLine,
                skus,
                quantities,
                cny,
                st.integers(0, span - 1).map(lambda n: period.start + timedelta(days=n)),
                texts,
            ),
            max_size=5,
        )
    )
    return Statement.of(
        supplier_id=SupplierId(draw(ids)),
        basis=draw(st.sampled_from(StatementBasis)),
        period=period,
        currency="CNY",
        lines=lines,
    )


supplier_statements = st.builds(
    SupplierStatement,
    id=ids.map(StatementId),
    statement=statements(),
    issued_at=instants,
    status=st.sampled_from(StatementState),
    confirmed_at=st.none() | instants,
    paid_at=st.none() | instants,
    payment_reference=st.none() | texts,
)

sold_lines = st.builds(SoldLine, skus, quantities, days, st.just("") | texts)

values: st.SearchStrategy[Any] = st.one_of(
    any_money(),
    periods,
    contract_prices,
    receipts,
    statements(),
    sold_lines,
    st.builds(
        PurchaseOrderReceived,
        ids.map(PurchaseOrderId),
        ids.map(WarehouseId),
        receipts,
        st.booleans(),
        instants,
    ),
    st.builds(AddContractPrice, ids.map(ContractId), skus, cny, days, days),
    st.builds(
        DraftPurchaseOrder,
        ids.map(SupplierId),
        ids.map(ContractId),
        ids.map(WarehouseId),
        st.lists(st.tuples(skus, quantities), max_size=3).map(tuple),
    ),
    st.builds(
        IssueSalesStatement,
        ids.map(SupplierId),
        ids.map(ContractId),
        days,
        days,
        st.lists(sold_lines, max_size=3).map(tuple),
    ),
)

aggregates: st.SearchStrategy[Any] = st.one_of(
    contracts, purchase_orders, supplier_statements, settled_periods
)


def through_json(value: object) -> Any:
    return structure(json.loads(json.dumps(unstructure(value))), type(value))


@given(values)
def test_values_events_and_commands_round_trip_through_json(value: object) -> None:
    assert through_json(value) == value


@given(aggregates)
def test_aggregates_round_trip_with_their_version(aggregate: Any) -> None:
    again = through_json(aggregate)
    assert again == aggregate
    assert again.version == aggregate.version
    assert again.pending_events == []


def test_the_shapes_are_plain_and_readable() -> None:
    price = ContractPrice(
        SkuId("phone"), Money.of("1999.00", "CNY"), Period(DAY0, date(2026, 7, 1))
    )
    assert unstructure(price) == {
        "sku": "phone",
        "unit_cost": {"amount": "1999.00", "currency": "CNY"},
        "valid": {"start": "2026-01-01", "end": "2026-07-01"},
    }
    settled = SettledPeriods(id=SupplierId("sup-1"), settled_until={StatementBasis.SALES: DAY0})
    data = unstructure(settled)
    assert data["settled_until"] == {"sales": "2026-01-01"}
    assert "pending_events" not in data


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        ({"amount": 1.5, "currency": "CNY"}, Money),
        ({"amount": "1.005", "currency": "CNY"}, Money),
        ({"amount": "1", "currency": "XXX"}, Money),
        ({"start": "2026-02-01", "end": "2026-01-01"}, Period),
        ({"start": "2026-01-01T00:00:00", "end": "2026-02-01"}, Period),
        ({"sku": "a", "quantity": 0, "sold_on": "2026-01-01", "reference": ""}, SoldLine),
        ({"sku": "a", "quantity": 1}, SoldLine),
    ],
)
def test_malformed_data_is_a_validation_error(data: object, kind: type[Any]) -> None:
    with pytest.raises(ValidationError):
        structure(data, kind)


def test_a_statement_whose_total_was_tampered_with_is_refused() -> None:
    statement = Statement.of(
        supplier_id=SupplierId("s"),
        basis=StatementBasis.SALES,
        period=Period(DAY0, date(2026, 2, 1)),
        currency="CNY",
        lines=[StatementLine(SkuId("a"), 2, Money.of("3.00", "CNY"), DAY0, "r")],
    )
    data = unstructure(statement)
    data["total"]["amount"] = "5.00"
    with pytest.raises(ValidationError, match="total"):
        structure(data, Statement)
