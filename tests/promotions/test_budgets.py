"""Budgets: reserve at placement, consume on payment, release on cancel; never overspent."""

from __future__ import annotations

from collections.abc import Callable

import attrs
import pytest

from merx import promotions
from merx.errors import (
    ConcurrencyError,
    CurrencyMismatch,
    IdempotencyConflict,
    IllegalTransition,
    InvalidAmount,
    NotFound,
)
from merx.kernel.bus import Command
from merx.kernel.ids import PLATFORM, CustomerId, OrderId
from merx.kernel.money import Money
from merx.kernel.uow import UnitOfWork
from merx.promotions import (
    BudgetExhausted,
    BudgetLimits,
    InvalidBudget,
    PerUserLimitReached,
    PromotionUsage,
    UnknownReservation,
    reserve_for_order,
)
from merx.promotions.budgets import ReservationState
from merx.promotions.services import promotion_usage
from tests.promotions.world import ALICE, BOB, PromotionsWorld, cny, direct, make_world


@pytest.fixture
def world() -> PromotionsWorld:
    w = make_world()
    w.active(direct("D1"), limits=BudgetLimits(total_discount=cny("100.00"), per_user_limit=2))
    w.active(direct("D2"))
    return w


def ledger(world: PromotionsWorld, campaign_id: str = "D1") -> tuple[Money, Money]:
    book = world.campaign(campaign_id).ledger
    return book.reserved, book.consumed


def test_limits_are_checked() -> None:
    for bad in (
        {"total_discount": cny("0")},
        {"coupon_stock": 0},
        {"per_user_limit": True},
        {"per_user_limit": -1},
    ):
        with pytest.raises(InvalidBudget):
            BudgetLimits(**bad)


def test_reserve_consume_release(world: PromotionsWorld) -> None:
    world.reserve("o1", {"D1": "30.00", "D2": "10.00"})
    world.reserve("o2", {"D1": "20.00"}, customer=BOB)
    assert ledger(world) == (cny("50.00"), cny("0"))
    world.settle("o1", ("D1", "D2"), paid=True)
    assert ledger(world) == (cny("20.00"), cny("30.00"))
    assert ledger(world, "D2") == (cny("0"), cny("10.00"))
    world.settle("o2", ("D1",), paid=False)
    assert ledger(world) == (cny("0"), cny("30.00"))
    states = {o: world.get(PromotionUsage, o).reservation("D1").state for o in ("o1", "o2")}
    assert states == {"o1": ReservationState.CONSUMED, "o2": ReservationState.RELEASED}
    names = [e.name for e in world.events.events if e.name.startswith("Budget")]
    assert names == ["BudgetReserved"] * 3 + ["BudgetConsumed"] * 2 + ["BudgetReleased"]


def test_a_reservation_beyond_the_budget_changes_nothing(world: PromotionsWorld) -> None:
    world.reserve("o1", {"D1": "90.00"})
    before = world.snapshot()
    with pytest.raises(BudgetExhausted) as refused:
        world.reserve("o2", {"D2": "5.00", "D1": "10.01"}, customer=BOB)
    assert refused.value.campaign_id == "D1"
    assert world.snapshot() == before  # D2 was not reserved either
    world.reserve("o2", {"D2": "5.00", "D1": "10.00"}, customer=BOB)  # exactly what is left
    assert ledger(world) == (cny("100.00"), cny("0"))


def test_the_per_user_limit_counts_live_orders(world: PromotionsWorld) -> None:
    world.reserve("o1", {"D1": "1.00"})
    world.reserve("o2", {"D1": "1.00"})
    with pytest.raises(PerUserLimitReached) as refused:
        world.reserve("o3", {"D1": "1.00"})
    assert (refused.value.campaign_id, refused.value.customer_id) == ("D1", ALICE)
    world.reserve("o3", {"D1": "1.00"}, customer=BOB)  # another customer
    world.settle("o1", ("D1",), paid=False)  # a cancelled order gives the use back
    world.reserve("o4", {"D1": "1.00"})
    world.settle("o2", ("D1",), paid=True)  # a paid one does not
    with pytest.raises(PerUserLimitReached):
        world.reserve("o5", {"D1": "1.00"})


def test_a_replayed_placement_is_a_no_op(world: PromotionsWorld) -> None:
    world.reserve("o1", {"D1": "30.00", "D2": "1.00"})
    before = world.snapshot()
    world.reserve("o1", {"D2": "1.00", "D1": "30.00"})
    assert world.snapshot() == before
    with world.uow() as uow:
        usage = promotion_usage(uow, OrderId("o1"))
    assert usage is not None
    assert usage.applied == {"D1": cny("30.00"), "D2": cny("1.00")}


@pytest.mark.parametrize(
    ("applied", "customer"),
    [
        ({"D1": "31.00", "D2": "1.00"}, ALICE),
        ({"D1": "30.00"}, ALICE),
        ({"D1": "30.00", "D2": "1.00"}, BOB),
    ],
)
def test_another_payload_for_the_order_is_a_conflict(
    world: PromotionsWorld, applied: dict[str, str], customer: str
) -> None:
    world.reserve("o1", {"D1": "30.00", "D2": "1.00"})
    with pytest.raises(IdempotencyConflict):
        world.reserve("o1", applied, customer=customer)


def test_a_replay_after_cancel_does_not_reserve_again(world: PromotionsWorld) -> None:
    world.reserve("o1", {"D1": "30.00"})
    world.settle("o1", ("D1",), paid=False)
    world.reserve("o1", {"D1": "30.00"})
    assert ledger(world) == (cny("0"), cny("0"))


def test_settling_twice_is_a_no_op_and_crossing_is_refused(world: PromotionsWorld) -> None:
    world.reserve("o1", {"D1": "30.00"})
    world.reserve("o2", {"D1": "10.00"}, customer=BOB)
    world.settle("o1", ("D1",), paid=True)
    before = world.snapshot()
    world.settle("o1", ("D1",), paid=True)
    assert world.snapshot() == before
    with pytest.raises(IllegalTransition) as refused:
        world.settle("o1", ("D1",), paid=False)
    assert (refused.value.state, refused.value.command) == ("consumed", "release")
    world.settle("o2", ("D1",), paid=False)
    world.settle("o2", ("D1",), paid=False)
    with pytest.raises(IllegalTransition):
        world.settle("o2", ("D1",), paid=True)


def test_settling_an_unknown_reservation_changes_nothing(world: PromotionsWorld) -> None:
    world.reserve("o1", {"D1": "30.00"})
    before = world.snapshot()
    with pytest.raises(UnknownReservation):
        world.settle("o1", ("D1", "D2"), paid=True)  # D2 holds nothing for o1
    assert world.snapshot() == before
    with pytest.raises(NotFound):
        world.settle("o1", ("nope",), paid=True)


def test_reservations_need_an_active_campaign(world: PromotionsWorld) -> None:
    world.approved(direct("D3"))
    with pytest.raises(IllegalTransition):
        world.reserve("o1", {"D3": "1.00"})
    world.reserve("o2", {"D1": "1.00"})
    world.handle(promotions.CancelCampaign("D1", PLATFORM, "stop"))
    world.settle("o2", ("D1",), paid=True)  # an order placed in time still pays
    assert ledger(world) == (cny("0"), cny("1.00"))


def test_amounts_are_checked(world: PromotionsWorld) -> None:
    with pytest.raises(CurrencyMismatch), world.uow() as uow:
        reserve_for_order(uow, OrderId("o1"), ALICE, {"D1": Money.of("1", "USD")})
    with pytest.raises(InvalidAmount), world.uow() as uow:
        reserve_for_order(uow, OrderId("o1"), ALICE, {"D1": cny("-1.00")})
    with pytest.raises(InvalidAmount), world.uow() as uow:
        reserve_for_order(uow, OrderId("o1"), ALICE, {"D1": 1})  # type: ignore[dict-item]


# -- races -----------------------------------------------------------------------------


def test_two_units_of_work_on_one_version_cannot_both_commit(world: PromotionsWorld) -> None:
    first, second = world.uow(), world.uow()
    reserve_for_order(first, OrderId("o1"), ALICE, {"D1": cny("60.00")})
    reserve_for_order(second, OrderId("o2"), BOB, {"D1": cny("60.00")})  # each sees 100 left
    first.commit()
    with pytest.raises(ConcurrencyError):
        second.commit()
    assert ledger(world) == (cny("60.00"), cny("0"))


@attrs.frozen
class PlaceOrder(Command[None]):
    """A stand-in for checkout's placement: reserve, then commit."""

    order_id: str
    customer_id: str
    amount: str


def test_the_bus_retries_the_loser_on_fresh_state(world: PromotionsWorld) -> None:
    attempts: list[str] = []
    rival: list[Callable[[], None]] = [lambda: world.reserve("rival", {"D1": "60.00"}, BOB)]

    def place(cmd: PlaceOrder, uow: UnitOfWork) -> None:
        attempts.append(cmd.order_id)
        reserve_for_order(
            uow, OrderId(cmd.order_id), CustomerId(cmd.customer_id), {"D1": cny(cmd.amount)}
        )
        while rival:  # someone else commits between our load and our commit
            rival.pop()()
        uow.commit()

    world.bus.register(PlaceOrder, place)
    with pytest.raises(BudgetExhausted):
        world.handle(PlaceOrder("mine", ALICE, "60.00"))
    assert attempts == ["mine", "mine"]  # retried once, then refused on fresh state
    assert ledger(world) == (cny("60.00"), cny("0"))
    world.handle(PlaceOrder("small", ALICE, "40.00"))
    assert ledger(world) == (cny("100.00"), cny("0"))
