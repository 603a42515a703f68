"""A user's daily buckets are pruned when the activity is written (and by a backfill):
buckets no window can see any more go, the latest day with orders among them is kept, and
no tag read at or after the write changes. The installment and credit-grade tags carry the
day of the event that set them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from merx import tags
from merx.adapters.memory import FixedClock
from merx.app import build_memory_app
from merx.credit import CreditAccountOpened
from merx.kernel.ids import CustomerId
from merx.kernel.money import Money
from merx.tags import Fact, OrderCompletedFact, OrderPaidFact, RefundFact, UserActivity, recompute
from merx.tags.services import record_activity
from tests.tags.test_activity import BO, T0, amounts, hours, paid

ZONES = [UTC, timezone(timedelta(hours=14)), timezone(timedelta(hours=-12))]
_dated = (OrderPaidFact, RefundFact, OrderCompletedFact)


def _at(days: int, hour: timedelta, zone: timezone) -> datetime:
    return (T0 + timedelta(days=days) + hour).astimezone(zone)


#: three years of facts, so many buckets fall out of every window
instants = st.builds(_at, st.integers(0, 3 * 365), hours, st.sampled_from(ZONES))
keys = st.integers(0, 60).map(str)
facts = st.one_of(
    st.builds(OrderPaidFact, keys.map("paid:".__add__), st.just(BO), instants, amounts),
    st.builds(OrderCompletedFact, keys.map("completed:".__add__), st.just(BO), instants),
    st.builds(RefundFact, keys.map("refund:".__add__), st.just(BO), instants, amounts),
)


def folded(history: list[Fact], *, pruning: bool) -> UserActivity:
    """The fold of ``history``, pruned at each dated fact as the subscriber does."""
    activity = UserActivity(id=BO)
    for fact in history:
        if activity.apply(fact) and pruning and isinstance(fact, _dated):
            activity.prune(fact.at)
    return activity


@settings(max_examples=150, deadline=None)
@given(
    history=st.lists(facts, min_size=1, max_size=50),
    later=st.integers(0, 800),
    hour=hours,
    zone=st.sampled_from(ZONES),
)
def test_pruning_never_changes_a_tag_read_at_or_after_the_last_write(
    history: list[Fact], later: int, hour: timedelta, zone: timezone
) -> None:
    pruned, whole = folded(history, pruning=True), folded(history, pruning=False)
    latest = max(fact.at for fact in history if isinstance(fact, _dated))
    last_prune = max((fact.at for fact in history if isinstance(fact, _dated)), default=latest)
    at = (last_prune + timedelta(days=later) + hour).astimezone(zone)
    assert pruned.tag_values(at) == whole.tag_values(at)
    assert pruned.tag_values(at) == recompute(history, [BO], at)[BO]
    assert len(pruned.days) <= len(whole.days)


def test_a_bucket_older_than_the_longest_window_is_pruned_and_the_last_order_kept() -> None:
    activity = UserActivity(id=BO)
    old = paid(T0 - timedelta(days=800), "5")
    activity.apply(old)
    recent = OrderCompletedFact("completed:x", BO, T0)
    activity.apply(recent)
    activity.prune(T0)
    assert activity.days == {}
    assert activity.pruned_last_order == old.at.date()
    assert activity.tag_values(T0)["days_since_last_order"] == 800
    assert activity.tag_values(T0) == recompute([old, recent], [BO], T0)[BO]


def test_a_bucket_a_window_or_a_zone_can_still_see_is_kept() -> None:
    activity = UserActivity(id=BO)
    activity.apply(paid(T0 - timedelta(days=366)))
    activity.prune(T0)
    assert len(activity.days) == 1  # 365 days and two more for the zones


def test_the_subscriber_prunes_when_it_writes() -> None:
    app = build_memory_app()
    with app.unit_of_work() as uow:
        activity = UserActivity(id=BO)
        activity.apply(paid(T0 - timedelta(days=900)))
        uow.repo(UserActivity).add(activity)
        uow.commit()
    clock = FixedClock(T0)
    event = CreditAccountOpened(BO, "A", Money.of("1000", "CNY"))
    with app.unit_of_work() as uow:  # a grade is no dated fact: nothing pruned
        record_activity(event, uow, currency="CNY", clock=clock)
    assert len(app.get(UserActivity, BO).days) == 1
    with app.unit_of_work() as uow:
        order = paid(T0)
        stored = uow.repo(UserActivity).get(BO)
        assert stored.apply(order)
        stored.prune(order.at)
        uow.repo(UserActivity).save(stored)
        uow.commit()
    assert list(app.get(UserActivity, BO).days) == [T0.date()]


def test_an_installment_plan_and_a_credit_grade_carry_the_day_they_were_recorded() -> None:
    app = build_memory_app()
    app.handle(tags.InstallBuiltinTags())
    who = CustomerId("amy")
    clock = FixedClock(datetime(2026, 5, 4, 23, tzinfo=timezone(timedelta(hours=8))))
    for grade in ("B", "A"):
        with app.unit_of_work() as uow:
            record_activity(
                CreditAccountOpened(who, grade, Money.of("1000", "CNY")),
                uow,
                currency="CNY",
                clock=clock,
            )
        clock.advance(timedelta(days=3))
    values = app.decider.values.values_of(who, clock.now())
    assert values["credit_grade"] == "B"  # one account per customer: its fact counts once
    assert values["credit_graded_on"] == date(2026, 5, 4)
    activity = UserActivity(id=who)
    activity.apply(tags.InstallmentFact("plan:2", who, date(2026, 6, 2)))
    activity.apply(tags.InstallmentFact("plan:1", who, date(2026, 6, 1)))
    activity.apply(tags.CreditGradeFact("grade:2", who, "C", date(2026, 7, 1)))
    values = activity.tag_values(datetime(2026, 8, 1, tzinfo=UTC))
    assert values["installment_since"] == date(2026, 6, 1)
    assert (values["credit_grade"], values["credit_graded_on"]) == ("C", date(2026, 7, 1))
