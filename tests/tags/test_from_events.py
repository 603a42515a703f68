"""The built-in user tags follow merx's own events through the app's subscribers, and a
backfill from the history of events gives the same values."""

from __future__ import annotations

import sys
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from merx import aftersales, credit, orders, payments, tags
from merx.app import App, MemoryApp, Settings, build_memory_app, build_sqlite_app
from merx.kernel.events import DomainEvent
from merx.kernel.ids import CustomerId
from merx.tags import Subject, TagValue
from merx.tags import services as tags_services
from tests.clearing.test_marketplace_clearing import bought, deliver_and_complete
from tests.payments.test_installments import ready

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples"))
import journey_installments as j4

BO = Subject.user("bo")


def values(app: MemoryApp, subject: Subject = BO) -> dict[str, TagValue]:
    with app.unit_of_work() as uow:
        return tags.values_of(uow, subject, app.clock.now())


def activity_events(app: MemoryApp) -> list[DomainEvent]:
    return [e for e in app.events.events if isinstance(e, tags_services.ACTIVITY_EVENTS)]


@pytest.fixture
def shop() -> MemoryApp:
    app, seller, order_id = bought(coupon=False)  # Bo pays 2 shirts, 200.00
    app.handle(tags.InstallBuiltinTags())
    deliver_and_complete(app, seller, order_id)
    return app


def test_without_the_builtin_tags_installed_nothing_is_read() -> None:
    app, _, _ = bought(coupon=False)
    assert values(app) == {}


def test_a_paid_and_completed_order_shows_in_the_users_tags(shop: MemoryApp) -> None:
    now = values(shop)
    assert now["order_count_30d"] == 1
    assert now["spend_30d"] == Decimal("200.00")
    assert now["preferred_categories"] == frozenset({"shirt"})
    assert now["days_since_last_order"] == 0
    assert now["new_user"] is False
    assert now["installment_customer"] is False
    assert values(shop, Subject.user("nobody"))["new_user"] is True


def test_tags_read_at_a_later_instant_see_the_windows_move(shop: MemoryApp) -> None:
    with shop.unit_of_work() as uow:
        later = tags.values_of(uow, BO, shop.clock.now() + timedelta(days=45))
    assert later["order_count_30d"] == 0
    assert later["order_count_90d"] == 1
    assert later["days_since_last_order"] == 45


def test_an_event_delivered_twice_counts_once(shop: MemoryApp) -> None:
    before = values(shop)
    paid = next(e for e in shop.events.events if isinstance(e, orders.OrderPaid))
    with shop.unit_of_work() as uow:
        tags_services.record_activity(paid, uow, currency="CNY")
    assert values(shop) == before


def test_a_refund_sets_the_refund_rate() -> None:
    app, _, order_id = bought(coupon=False)
    app.handle(tags.InstallBuiltinTags())
    case = app.handle(aftersales.RequestRefund(order_id, "changed my mind"))
    app.handle(aftersales.ApproveAfterSale(case))
    assert values(app)["refund_rate"] == 1


def test_a_backfill_from_the_history_gives_what_the_subscribers_gave(shop: MemoryApp) -> None:
    before = values(shop)
    history = tuple(activity_events(shop))
    assert shop.handle(tags.BackfillUserActivity(history)) == 1
    assert values(shop) == before
    # a user whose activity was never recorded gets it from the history
    with shop.unit_of_work() as uow:
        uow.repo(tags.UserActivity).remove(uow.repo(tags.UserActivity).get("bo"))
        uow.commit()
    assert values(shop)["order_count_30d"] == 0
    shop.handle(tags.BackfillUserActivity((*history, *history)))
    assert values(shop) == before


def test_the_batch_recompute_from_the_events_gives_the_realtime_values(shop: MemoryApp) -> None:
    realtime = values(shop)
    with shop.unit_of_work() as uow:
        facts = tags_services.facts_of(shop.events.events, uow, currency="CNY")
    batch = tags.recompute(facts, [CustomerId("bo")], shop.clock.now())[CustomerId("bo")]
    assert batch == realtime


def test_an_installment_purchase_and_a_credit_grade_show_in_the_users_tags() -> None:
    app = build_memory_app()
    app.handle(tags.InstallBuiltinTags())
    placed = ready(app)  # Mei applied for credit and was given a grade
    mei = Subject.user(j4.MEI)
    assert values(app, mei)["installment_customer"] is False
    grade = values(app, mei)["credit_grade"]
    assert grade == app.get(credit.CreditAccount, j4.MEI).grade
    app.handle(payments.PayByInstallments(placed.parent_id, 6))
    assert values(app, mei)["installment_customer"] is True
    assert values(app, mei)["order_count_30d"] == 1


def test_a_host_that_reads_no_builtin_tag_may_turn_the_activity_off(tmp_path: Path) -> None:
    def records(app: App) -> bool:
        return any(
            getattr(subscriber, "func", None) is tags_services.record_activity
            for subscriber in app.bus.subscribers_of(orders.OrderPaid)
        )

    assert records(build_memory_app())
    path = tmp_path / "shop.db"
    assert records(build_sqlite_app(path))
    assert not records(build_sqlite_app(path, settings=Settings(user_activity=False)))
