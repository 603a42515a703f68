"""Tasks: counted from events, each source once, per window; completion grants once."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import attrs
import pytest

from merx import catalog, checkout, credit, customers, inventory, orders, payments, play
from merx.app import MemoryApp
from merx.credit import PlanId
from merx.customers import Address
from merx.errors import IllegalTransition
from merx.installments import InstallmentPlanOpened
from merx.kernel.ids import PLATFORM, CustomerId, OrderId, SkuId, WarehouseId
from merx.orders import OrderPaid
from merx.play.tasks import period_of
from merx.points import points_balance
from merx.schedules import FeePayer, ScheduleMethod
from tests.play.world import (
    ALICE,
    BOB,
    START,
    cny,
    coupon_campaign,
    credit_account,
    deliver,
    grants,
    make_app,
    wallet_ids,
)

CAROL = CustomerId("carol")
THREE_ORDERS = play.TaskSpec(
    "three-orders", "Place 3 orders this week", play.TaskTrigger.ORDER_PAID, 3,
    play.TaskWindow.WEEK, play.Reward.points_of(300),
)  # fmt: skip


def paid(order: str, customer: CustomerId = ALICE, at: datetime = START) -> OrderPaid:
    return OrderPaid(OrderId(order), f"pay-{order}", cny("10.00"), at, customer)


def live_task(app: MemoryApp, spec: play.TaskSpec = THREE_ORDERS) -> None:
    app.handle(play.DefineTask(spec))
    app.handle(play.PublishTask(spec.task_id))


def balance(app: MemoryApp, customer: CustomerId = ALICE) -> int:
    with app.unit_of_work() as uow:
        return points_balance(uow, customer)


def progress(
    app: MemoryApp, customer: CustomerId = ALICE, at: datetime = START
) -> play.TaskProgress:
    return app.get(
        play.TaskProgress, f"three-orders/{customer}/{period_of(play.TaskWindow.WEEK, at, 480)}"
    )


def test_three_orders_in_a_week_complete_the_task_and_earn_the_points_once() -> None:
    app = make_app()
    live_task(app)
    deliver(app, paid("o1"), paid("o2"))
    assert (progress(app).status, len(progress(app).counted)) == (
        play.ProgressStatus.IN_PROGRESS,
        2,
    )
    assert balance(app) == 0
    deliver(app, paid("o3"))
    assert progress(app).status is play.ProgressStatus.COMPLETED
    assert balance(app) == 300
    deliver(app, paid("o4"), paid("o3"))  # more orders, and one again: nothing more
    assert balance(app) == 300
    (grant,) = grants(app).values()
    assert (
        grant.grant_key == f"task:three-orders/alice/{period_of(play.TaskWindow.WEEK, START, 480)}"
    )


def test_the_same_order_delivered_again_counts_once() -> None:
    app = make_app()
    live_task(app)
    deliver(app, paid("o1"), paid("o1"), paid("o1"))
    assert progress(app).counted == {"order:o1"}


def test_the_week_starts_monday_midnight_at_plus_eight() -> None:
    sunday_night = datetime.fromisoformat("2026-06-07T23:59:00+08:00")
    monday = datetime.fromisoformat("2026-06-08T00:00:00+08:00")
    assert period_of(play.TaskWindow.WEEK, sunday_night, 480) == "2026-W23"
    assert period_of(play.TaskWindow.WEEK, monday, 480) == "2026-W24"
    assert period_of(play.TaskWindow.WEEK, monday - timedelta(minutes=1), 0) == "2026-W23"
    app = make_app()
    live_task(app)
    deliver(app, paid("o1", at=sunday_night), paid("o2", at=sunday_night), paid("o3", at=monday))
    assert balance(app) == 0  # two in one week, one in the next


def test_orders_out_of_order_count_in_their_own_week() -> None:
    app = make_app()
    live_task(app)
    later = START + timedelta(days=7)
    deliver(app, paid("o3", at=later), paid("o1"), paid("o4", at=later), paid("o2"))
    assert len(progress(app).counted) == 2
    assert len(progress(app, at=later).counted) == 2


def test_only_a_live_task_counts_and_only_events_from_when_it_went_live() -> None:
    app = make_app()
    app.handle(play.DefineTask(THREE_ORDERS))
    deliver(app, paid("o1"))  # a draft counts nothing
    app.clock.advance(timedelta(hours=1))
    app.handle(play.PublishTask("three-orders"))
    deliver(app, paid("o0", at=START))  # before it went live
    deliver(app, paid("o2", at=app.clock.now()))
    assert progress(app).counted == {"order:o2"}
    app.handle(play.EndTask("three-orders"))
    deliver(app, paid("o3", at=app.clock.now()))
    assert progress(app).counted == {"order:o2"}
    with pytest.raises(IllegalTransition):
        app.handle(play.PublishTask("three-orders"))


def test_a_first_installment_order_grants_a_credit_boost() -> None:
    app = make_app()
    credit_account(app)
    boost = play.Reward.credit_boost(cny("500.00"), 30)
    spec = play.TaskSpec(
        "first-installment", "First installment order", play.TaskTrigger.INSTALLMENT_ORDER, 1,
        play.TaskWindow.ONCE, boost,
    )  # fmt: skip
    live_task(app, spec)
    opened = InstallmentPlanOpened(
        PlanId("plan-1"), ALICE, OrderId("o1"), cny("1200.00"), 12, ScheduleMethod.FLAT_FEE,
        Decimal("0.1"), FeePayer.CUSTOMER, cny("0.00"),
    )  # fmt: skip
    deliver(app, opened, opened)
    account = app.get(credit.CreditAccount, ALICE)
    assert [grant.amount for grant in account.temporary] == [cny("500.00")]
    assert account.temporary[0].expires_on == START.date() + timedelta(days=30)


def test_a_credit_boost_for_a_customer_without_an_account_is_refused_and_recorded() -> None:
    app = make_app()
    spec = play.TaskSpec(
        "first", "First order", play.TaskTrigger.ORDER_PAID, 1, play.TaskWindow.ONCE,
        play.Reward.credit_boost(cny("500.00"), 30),
    )  # fmt: skip
    live_task(app, spec)
    deliver(app, paid("o1"), paid("o2"))
    (grant,) = grants(app).values()
    assert (grant.status, grant.reference) == (
        play.GrantStatus.REFUSED,
        "UnknownCreditAccount",
    ) or grant.status is play.GrantStatus.REFUSED


def test_a_friend_invited_who_then_orders_counts_once_per_friend() -> None:
    app = make_app()
    coupon_campaign(app, "WELCOME")
    spec = play.TaskSpec(
        "invite-two", "Invite two friends who order", play.TaskTrigger.FRIEND_ORDERED, 2,
        play.TaskWindow.ONCE, play.Reward.coupon("WELCOME"),
    )  # fmt: skip
    live_task(app, spec)
    app.handle(play.RecordInvitation(ALICE, BOB))
    app.handle(play.RecordInvitation(ALICE, BOB))  # the same again: nothing
    with pytest.raises(play.AlreadyInvited):
        app.handle(play.RecordInvitation(CAROL, BOB))
    with pytest.raises(play.InvalidTask):
        app.handle(play.RecordInvitation(ALICE, ALICE))
    deliver(app, paid("b0", BOB, START - timedelta(hours=1)))  # paid before the invitation
    with app.unit_of_work() as uow:
        assert uow.repo(play.TaskProgress).find("invite-two/alice/once") is None
    deliver(app, paid("b1", BOB), paid("b2", BOB))  # one friend, two orders
    assert wallet_ids(app) == []
    app.handle(play.RecordInvitation(ALICE, CAROL))
    deliver(app, paid("c1", CAROL))
    assert wallet_ids(app) == ["WELCOME#1"]
    assert wallet_ids(app, BOB) == wallet_ids(app, CAROL) == []


def test_an_older_event_without_its_customer_is_read_with_its_order() -> None:
    app = make_app()
    live_task(app)
    deliver(app, OrderPaid(OrderId("gone"), "pay", cny("1.00"), START, None))  # no such order
    assert grants(app) == {}


def test_bad_tasks_are_typed_errors_and_nothing_is_saved() -> None:
    with pytest.raises(play.InvalidTask, match="target"):
        play.TaskSpec(
            "t", "T", play.TaskTrigger.ORDER_PAID, 0, play.TaskWindow.ONCE, play.Reward.points_of(1)
        )
    with pytest.raises(play.InvalidReward):
        play.Reward.points_of(0)
    with pytest.raises(play.InvalidReward):
        play.Reward(play.RewardKind.COUPON, campaign_id="C", points=3)
    app = make_app()
    live_task(app)
    with pytest.raises(play.TaskAlreadyDefined):
        app.handle(play.DefineTask(THREE_ORDERS))
    with pytest.raises(play.UnknownTask):
        app.handle(play.PublishTask("nope"))


def test_a_real_paid_order_counts_through_the_bus() -> None:
    app = make_app()
    spec = play.TaskSpec(
        "first", "First order", play.TaskTrigger.ORDER_PAID, 1, play.TaskWindow.ONCE,
        play.Reward.points_of(10),
    )  # fmt: skip
    live_task(app, spec)
    app.handle(catalog.CreateSku(SkuId("tea"), "Tea", PLATFORM, "tea", cny("20.00")))
    app.handle(inventory.OpenWarehouse(WarehouseId("dc"), "DC", "1 Rd", {"Shanghai": 10}))
    app.handle(inventory.ReceiveStock(WarehouseId("dc"), SkuId("tea"), 5, "po-1"))
    app.handle(customers.RegisterCustomer(ALICE, "Alice", "13800000000"))
    address = Address("alice", "13800000000", "Shanghai", "1 Bund Rd")
    app.handle(customers.AddAddress(ALICE, "home", address, default=True))
    app.handle(checkout.AddToCart(ALICE, SkuId("tea"), 1))
    placed = app.handle(orders.PlaceOrder(ALICE))
    app.handle(payments.PayOrder(placed.parent_id, "alipay"))
    assert balance(app) == 10
    assert app.get(play.TaskProgress, "first/alice/once").counted == {
        f"order:{placed.order_ids[0]}"
    }
    again = attrs.evolve(spec, task_id="again")
    live_task(app, again)  # an event stored before OrderPaid carried its customer:
    deliver(app, OrderPaid(placed.order_ids[0], "p", cny("20.00"), app.clock.now(), None))
    assert app.get(play.TaskProgress, "again/alice/once").status is play.ProgressStatus.COMPLETED
