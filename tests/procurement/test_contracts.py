"""Contracts: prices per SKU over half-open periods that never overlap; draft -> signed."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from merx.kernel.errors import (
    BusinessRuleViolation,
    CurrencyMismatch,
    IllegalTransition,
    InvalidAmount,
)
from merx.kernel.ids import SkuId, SupplierId
from merx.kernel.money import Money
from merx.procurement import (
    AddContractPrice,
    Contract,
    ContractId,
    ContractNotInForce,
    ContractState,
    InvalidPeriod,
    NoContractPrice,
    OverlappingPricePeriod,
    Period,
    SignContract,
)
from merx.suppliers import (
    DocumentKind,
    Supplier,
    SupplierNotActive,
    SupplierType,
)
from tests.procurement.world import START, SupplyWorld

AT = START
SKU = SkuId("phone-128g")


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


def supplier(active: bool = True) -> Supplier:
    result = Supplier.apply(
        supplier_id=SupplierId("sup-1"),
        name="Acme",
        supplier_type=SupplierType.STOCKED,
        currency="CNY",
        at=AT,
    )
    result.add_document(
        kind=DocumentKind.BUSINESS_LICENCE, number="BL", expires_on=date(2030, 1, 1), at=AT
    )
    result.submit(AT)
    if active:
        result.review_document("BL", accepted=True, at=AT)
        result.approve(AT)
    return result


def draft() -> Contract:
    return Contract.draft(contract_id=ContractId("ctr-1"), supplier=supplier(), at=AT)


def test_a_period_is_half_open_and_must_end_after_it_starts() -> None:
    period = Period(date(2026, 1, 1), date(2026, 2, 1))
    assert period.contains(date(2026, 1, 1))
    assert period.contains(date(2026, 1, 31))
    assert not period.contains(date(2026, 2, 1))
    assert not period.overlaps(Period(date(2026, 2, 1), date(2026, 3, 1)))
    assert period.overlaps(Period(date(2025, 12, 1), date(2026, 1, 2)))
    with pytest.raises(InvalidPeriod, match="end after it starts"):
        Period(date(2026, 1, 1), date(2026, 1, 1))
    with pytest.raises(InvalidPeriod, match="not a datetime"):
        Period(datetime(2026, 1, 1, tzinfo=UTC), date(2026, 2, 1))


def test_price_on_finds_the_period_holding_the_date() -> None:
    contract = draft()
    contract.add_price(SKU, cny("100.00"), Period(date(2026, 1, 1), date(2026, 4, 1)), AT)
    contract.add_price(SKU, cny("95.00"), Period(date(2026, 4, 1), date(2026, 7, 1)), AT)
    assert contract.price_on(SKU, date(2026, 1, 1)) == cny("100.00")
    assert contract.price_on(SKU, date(2026, 3, 31)) == cny("100.00")
    assert contract.price_on(SKU, date(2026, 4, 1)) == cny("95.00")
    with pytest.raises(NoContractPrice, match="2026-07-01"):
        contract.price_on(SKU, date(2026, 7, 1))
    with pytest.raises(NoContractPrice, match="other"):
        contract.price_on(SkuId("other"), date(2026, 2, 1))


def test_overlapping_periods_for_one_sku_are_refused_and_change_nothing() -> None:
    contract = draft()
    contract.add_price(SKU, cny("100.00"), Period(date(2026, 1, 1), date(2026, 4, 1)), AT)
    before = contract.prices
    with pytest.raises(OverlappingPricePeriod, match=r"\[2026-01-01, 2026-04-01\)"):
        contract.add_price(SKU, cny("90.00"), Period(date(2026, 3, 31), date(2026, 5, 1)), AT)
    assert contract.prices == before
    # another SKU may use the same dates
    contract.add_price(SkuId("case"), cny("9.90"), Period(date(2026, 1, 1), date(2026, 4, 1)), AT)


def test_prices_must_be_positive_and_in_the_contract_currency() -> None:
    contract = draft()
    period = Period(date(2026, 1, 1), date(2026, 2, 1))
    with pytest.raises(CurrencyMismatch):
        contract.add_price(SKU, Money.of("10", "USD"), period, AT)
    with pytest.raises(InvalidAmount):
        contract.add_price(SKU, cny("0"), period, AT)
    assert contract.prices == ()


def test_signing_needs_an_active_supplier_and_at_least_one_price() -> None:
    contract = draft()
    with pytest.raises(BusinessRuleViolation, match="no prices"):
        contract.sign(supplier(), AT)
    contract.add_price(SKU, cny("1.00"), Period(date(2026, 1, 1), date(2026, 2, 1)), AT)
    with pytest.raises(SupplierNotActive):
        contract.sign(supplier(active=False), AT)
    contract.sign(supplier(), AT)
    assert contract.status is ContractState.SIGNED
    assert contract.signed_on == AT.date()
    with pytest.raises(IllegalTransition, match="contract: cannot 'sign' in state 'signed'"):
        contract.sign(supplier(), AT)


def test_a_signed_contract_is_amended_only_from_today_on() -> None:
    contract = draft()
    contract.add_price(SKU, cny("1.00"), Period(date(2026, 1, 1), date(2026, 2, 1)), AT)
    contract.sign(supplier(), AT)
    with pytest.raises(InvalidPeriod, match="may not start before"):
        contract.add_price(SkuId("b"), cny("1.00"), Period(date(2026, 1, 1), date(2026, 3, 1)), AT)
    contract.add_price(SKU, cny("0.90"), Period(date(2026, 2, 1), date(2026, 3, 1)), AT)
    assert contract.price_on(SKU, date(2026, 2, 14)) == cny("0.90")


def test_in_force_from_signature_to_termination() -> None:
    contract = draft()
    contract.add_price(SKU, cny("1.00"), Period(date(2026, 1, 1), date(2026, 12, 1)), AT)
    assert not contract.in_force_on(AT.date())
    contract.sign(supplier(), AT)
    assert contract.in_force_on(AT.date())
    assert not contract.in_force_on(AT.date() - timedelta(days=1))
    contract.terminate("renegotiated", AT + timedelta(days=10))
    assert contract.in_force_on(AT.date() + timedelta(days=9))
    assert not contract.in_force_on(AT.date() + timedelta(days=10))
    with pytest.raises(ContractNotInForce):
        contract.check_in_force(AT.date() + timedelta(days=10))
    # the price list stays readable, for statements of the past
    assert contract.price_on(SKU, date(2026, 11, 30)) == cny("1.00")
    with pytest.raises(IllegalTransition, match="add price"):
        contract.add_price(SkuId("b"), cny("1.00"), Period(date(2026, 6, 1), date(2026, 7, 1)), AT)


def test_a_terminated_supplier_gets_no_new_contract() -> None:
    gone = supplier()
    gone.terminate("fraud", AT)
    with pytest.raises(SupplierNotActive):
        Contract.draft(contract_id=ContractId("c"), supplier=gone, at=AT)


def test_contracts_through_commands(world: SupplyWorld) -> None:
    supplier_id = world.approved_supplier()
    contract_id = world.signed_contract(supplier_id, {"a": "3.00", "b": "4.50"})
    contract = world.get(Contract, contract_id)
    assert contract.status is ContractState.SIGNED
    assert contract.price_on(SkuId("b"), AT.date()) == cny("4.50")
    before = world.snapshot()
    with pytest.raises(OverlappingPricePeriod):
        world.handle(
            AddContractPrice(contract_id, SkuId("a"), cny("2"), AT.date(), date(2026, 8, 1))
        )
    with pytest.raises(IllegalTransition):
        world.handle(SignContract(contract_id))
    assert world.snapshot() == before


# -- properties ------------------------------------------------------------------------

_DAY0 = date(2026, 1, 1)
periods = st.tuples(st.integers(0, 60), st.integers(1, 30)).map(
    lambda p: Period(_DAY0 + timedelta(days=p[0]), _DAY0 + timedelta(days=p[0] + p[1]))
)


@given(st.lists(st.tuples(st.sampled_from(["a", "b"]), periods, st.integers(1, 10**6))))
def test_accepted_periods_never_overlap_and_price_on_finds_exactly_them(
    attempts: list[tuple[str, Period, int]],
) -> None:
    contract = draft()
    accepted: list[tuple[str, Period, Money]] = []
    for sku, period, minor in attempts:
        price = Money.from_minor(minor, "CNY")
        clash = any(s == sku and p.overlaps(period) for s, p, _ in accepted)
        if clash:
            with pytest.raises(OverlappingPricePeriod):
                contract.add_price(SkuId(sku), price, period, AT)
        else:
            contract.add_price(SkuId(sku), price, period, AT)
            accepted.append((sku, period, price))
    assert len(contract.prices) == len(accepted)
    for offset in range(95):
        day = _DAY0 + timedelta(days=offset)
        for sku in ("a", "b"):
            holding = [price for s, p, price in accepted if s == sku and p.contains(day)]
            assert len(holding) <= 1
            if holding:
                assert contract.price_on(SkuId(sku), day) == holding[0]
            else:
                with pytest.raises(NoContractPrice):
                    contract.price_on(SkuId(sku), day)
