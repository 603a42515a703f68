"""Merchants: application and review, onboarding, life cycle, score, isolation, serde."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from merx import merchants, settlement
from merx.adapters.memory import MemoryUnitOfWork
from merx.errors import Unauthorized
from merx.kernel.errors import IllegalTransition, ValidationError
from merx.kernel.ids import MerchantId
from merx.merchants import (
    DepositStillHeld,
    DocumentKind,
    EmptyGoodsScope,
    GoodsScopeSet,
    Merchant,
    MerchantClosed,
    MerchantState,
    NotYourMerchant,
    OutsideGoodsScope,
    Performance,
    merchant_profile,
    merchant_score,
)
from merx.merchants import serde as merchant_serde
from merx.merchants.model import MERCHANT_FLOW
from merx.qualification import (
    DocumentExpired,
    DuplicateDocument,
    MissingDocument,
    ReviewIncomplete,
)
from tests.settlement.world import START, SettlementWorld, cny, make_world, terms

DOC = Path(__file__).resolve().parents[2] / "docs" / "merchants.md"


@pytest.fixture
def world() -> SettlementWorld:
    return make_world()


def status(merchant: Merchant) -> MerchantState:
    return merchant.status


def applicant() -> Merchant:
    return Merchant.apply(merchant_id=MerchantId("m1"), name="Shirt Shop", currency="CNY", at=START)


def under_review() -> Merchant:
    merchant = applicant()
    merchant.add_document(
        kind=DocumentKind.BUSINESS_LICENCE,
        number="BL-1",
        expires_on=date(2030, 1, 1),
        at=START,
    )
    merchant.add_document(
        kind=DocumentKind.BRAND_AUTHORISATION,
        number="BA-1",
        expires_on=date(2027, 1, 1),
        brand="Uniqlo",
        at=START,
    )
    merchant.set_goods_scope(["shirt", "coat", "shirt"], START)
    merchant.submit(START)
    return merchant


def test_an_application_needs_a_licence_and_a_goods_scope() -> None:
    merchant = applicant()
    with pytest.raises(MissingDocument):
        merchant.submit(START)
    merchant.add_document(
        kind=DocumentKind.BUSINESS_LICENCE,
        number="BL-1",
        expires_on=date(2030, 1, 1),
        at=START,
    )
    with pytest.raises(EmptyGoodsScope):
        merchant.submit(START)
    with pytest.raises(EmptyGoodsScope):
        merchant.set_goods_scope([], START)
    with pytest.raises(DuplicateDocument):
        merchant.add_document(
            kind=DocumentKind.BUSINESS_LICENCE,
            number="BL-1",
            expires_on=date(2030, 1, 1),
            at=START,
        )
    with pytest.raises(DocumentExpired):
        merchant.add_document(
            kind=DocumentKind.BUSINESS_LICENCE,
            number="BL-2",
            expires_on=date(2026, 1, 1),
            at=START,
        )
    merchant.set_goods_scope(["shirt"], START)
    merchant.submit(START)
    assert merchant.status is MerchantState.UNDER_REVIEW


def test_approval_needs_every_document_accepted() -> None:
    merchant = under_review()
    merchant.review_document("BL-1", accepted=True, at=START)
    with pytest.raises(ReviewIncomplete):
        merchant.approve(cny("1000.00"), START)
    merchant.review_document("BA-1", accepted=True, at=START)
    merchant.approve(cny("1000.00"), START)
    assert merchant.status is MerchantState.APPROVED
    assert merchant.goods_scope == frozenset({"shirt", "coat"})
    assert merchant.deposit_shortfall == cny("1000.00")


def test_a_rejection_carries_the_reasons_and_the_merchant_may_reapply() -> None:
    merchant = under_review()
    merchant.review_document("BA-1", accepted=False, note="not signed by the brand", at=START)

    merchant.reject(["scope too wide"], START)

    assert merchant.status is MerchantState.REJECTED
    assert merchant.qualification.rejection_reasons == (
        "scope too wide",
        "brand_authorisation BA-1 for Uniqlo: not signed by the brand",
    )
    merchant.reapply(START)
    merchant.remove_document("BA-1", START)
    merchant.submit(START)
    merchant.review_document("BL-1", accepted=True, at=START)
    merchant.approve(cny("0.00"), START)
    assert status(merchant) is MerchantState.APPROVED


def test_a_refused_command_leaves_no_trace() -> None:
    merchant = under_review()
    before = merchant.clone()
    with pytest.raises(IllegalTransition):
        merchant.open_store("Shop", START)
    with pytest.raises(ValidationError):
        merchant.reject([], START)
    assert merchant == before
    assert len(merchant.pending_events) == len(before.pending_events)


def test_closing_needs_the_deposit_released_first() -> None:
    """The deposit rule lives in ``Merchant.check_close``: refused with a typed error and
    no trace; once released, closing records ``MerchantClosed``."""
    merchant = under_review()
    merchant.review_document("BL-1", accepted=True, at=START)
    merchant.review_document("BA-1", accepted=True, at=START)
    merchant.approve(cny("500.00"), START)
    merchant.open_account(START)
    merchant.pay_deposit(cny("500.00"), "dep-1", START)
    merchant.open_store("Shirt Shop", START)
    merchant.start_closing("retiring", START)
    before = merchant.clone()
    with pytest.raises(DepositStillHeld, match=r"still holds a deposit of 500\.00 CNY"):
        merchant.close("final", START)
    assert merchant == before
    assert len(merchant.pending_events) == len(before.pending_events)
    assert merchant.release_deposit("rel-1", START) == cny("500.00")
    merchant.close("final", START)
    assert merchant.status is MerchantState.CLOSED
    assert isinstance(merchant.pending_events[-1], MerchantClosed)


def test_a_goods_scope_change_is_refused_without_a_trace(world: SettlementWorld) -> None:
    merchant_id = world.active_merchant()
    merchant = world.get(Merchant, merchant_id)
    before = merchant.clone()
    with pytest.raises(EmptyGoodsScope):
        merchant.change_goods_scope([], START)
    assert merchant == before
    assert len(merchant.pending_events) == len(before.pending_events)
    merchant.change_goods_scope(["phone", "coat", "phone"], START)
    assert merchant.goods_scope == frozenset({"phone", "coat"})
    assert merchant.pending_events[-1] == GoodsScopeSet(merchant_id, ("coat", "phone"), START)


def test_goods_scope_is_checked(world: SettlementWorld) -> None:
    merchant_id = world.active_merchant()
    merchant = world.get(Merchant, merchant_id)
    merchant.check_category("shirt")
    with pytest.raises(OutsideGoodsScope):
        merchant.check_category("phone")
    world.handle(merchants.ChangeGoodsScope(merchant_id, ("phone",)))
    world.get(Merchant, merchant_id).check_category("phone")


def test_the_life_cycle_through_the_services(world: SettlementWorld) -> None:
    merchant_id = world.active_merchant()
    assert world.get(Merchant, merchant_id).status is MerchantState.ACTIVE
    world.handle(merchants.SuspendMerchant(merchant_id, "late shipments"))
    assert world.get(Merchant, merchant_id).status is MerchantState.SUSPENDED
    world.handle(merchants.ReinstateMerchant(merchant_id))
    world.handle(merchants.StartClosingMerchant(merchant_id, "retiring"))
    with pytest.raises(IllegalTransition):
        world.handle(merchants.ReinstateMerchant(merchant_id))
    world.handle(settlement.SettleFinally(merchant_id, "final"))
    world.handle(
        settlement.RequestWithdrawal(
            merchant_id, merchant_id, settlement.WithdrawalId("w-final"), cny("1000.00"), "6222"
        )
    )
    world.handle(settlement.CloseMerchant(merchant_id, "final"))
    merchant = world.get(Merchant, merchant_id)
    assert (merchant.status, merchant.final_settlement) == (MerchantState.CLOSED, "final")


def test_a_merchant_acts_only_on_its_own_record(world: SettlementWorld) -> None:
    alice = world.active_merchant("Alice")
    bob = world.approved_merchant("Bob")
    world.handle(settlement.OpenMerchantAccount(bob, terms()))
    before = world.snapshot()
    for command in [
        merchants.OpenStore(alice, bob, "Hijacked"),
        merchants.SetGoodsScope(alice, bob, ("phone",)),
        merchants.SubmitMerchantApplication(alice, bob),
        merchants.ReapplyMerchant(alice, bob),
        merchants.RemoveMerchantDocument(alice, bob, f"BL-{bob}"),
        merchants.AddMerchantDocument(
            alice, bob, DocumentKind.BUSINESS_LICENCE, "X", date(2030, 1, 1)
        ),
    ]:
        with pytest.raises(Unauthorized):
            world.handle(command)
    with MemoryUnitOfWork(world.store) as uow:
        with pytest.raises(NotYourMerchant):
            merchant_profile(uow, alice, bob)
        assert merchant_profile(uow, bob, bob).id == bob
    assert world.snapshot() == before


# -- the score -------------------------------------------------------------------------


def test_the_score_formula_worked_out() -> None:
    # 90 of 100 shipped on time -> 0.9; 4 after-sales cases in 100 -> 1 - 0.04 / 0.2 = 0.8;
    # 50 ratings worth 210 stars -> average 4.2 -> (4.2 - 1) / 4 = 0.8.
    # 100 x (0.4 x 0.9 + 0.3 x 0.8 + 0.3 x 0.8) = 100 x 0.84 = 84.0
    assert merchant_score(Performance(100, 90, 4, 50, 210)) == Decimal("84.0")
    assert merchant_score(Performance(0, 0, 0, 0, 0)) == Decimal("100.0")
    assert merchant_score(Performance(3, 0, 3, 3, 3)) == Decimal("0.0")
    # 2 of 3 on time: 40 x 2/3 = 26.666...; + 30 + 30 = 86.666... -> 86.7 (half up, once)
    assert merchant_score(Performance(3, 2, 0, 1, 5)) == Decimal("86.7")


@pytest.mark.parametrize(
    "counts", [(1, 2, 0, 0, 0), (1, 0, 2, 0, 0), (0, 0, 0, 1, 6), (0, 0, 0, 2, 1), (-1, 0, 0, 0, 0)]
)
def test_impossible_performance_is_refused(counts: tuple[int, int, int, int, int]) -> None:
    with pytest.raises(ValidationError):
        Performance(*counts)


@given(
    st.integers(0, 1000).flatmap(
        lambda orders: st.tuples(
            st.just(orders),
            st.integers(0, orders),
            st.integers(0, orders),
            st.integers(0, 500).flatmap(lambda n: st.tuples(st.just(n), st.integers(n, 5 * n))),
        )
    )
)
def test_the_score_lies_between_0_and_100(case: tuple[int, int, int, tuple[int, int]]) -> None:
    orders, on_time, after_sales, (ratings, points) = case
    score = merchant_score(Performance(orders, on_time, after_sales, ratings, points))
    assert Decimal(0) <= score <= Decimal(100)
    assert score == score.quantize(Decimal("0.1"))


def test_scoring_through_the_service(world: SettlementWorld) -> None:
    merchant_id = world.active_merchant()
    score = world.handle(
        merchants.RecordMerchantPerformance(merchant_id, Performance(100, 90, 4, 50, 210))
    )
    assert score == Decimal("84.0")
    assert world.get(Merchant, merchant_id).score == Decimal("84.0")


# -- serde and docs --------------------------------------------------------------------


def test_a_merchant_round_trips_through_plain_data(world: SettlementWorld) -> None:
    merchant_id = world.active_merchant()
    world.handle(merchants.RecordMerchantPerformance(merchant_id, Performance(10, 9, 1, 2, 9)))
    merchant = world.get(Merchant, merchant_id)

    data: Any = merchant_serde.unstructure(merchant)

    assert merchant_serde.structure(data, Merchant) == merchant
    assert data["deposit_held"] == {"amount": "1000.00", "currency": "CNY"}
    with pytest.raises(ValidationError):
        merchant_serde.structure({**data, "status": "bogus"}, Merchant)


def test_the_page_holds_the_diagram_as_generated() -> None:
    assert f"```mermaid\n{MERCHANT_FLOW.to_mermaid()}\n```" in DOC.read_text(encoding="utf-8")
