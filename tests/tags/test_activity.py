"""The built-in user tags: each rule by example, and the realtime fold (fact by fact into
daily buckets) agreeing with the batch recompute on random histories."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from merx.kernel.ids import CustomerId
from merx.tags import (
    COMPUTED_TAGS,
    CreditGradeFact,
    Fact,
    InstallmentFact,
    OrderCompletedFact,
    OrderPaidFact,
    RefundFact,
    TagValue,
    UserActivity,
    recompute,
)

BO = CustomerId("bo")
T0 = datetime(2026, 3, 1, 10, tzinfo=UTC)
_keys = iter(range(1_000_000))


def paid(at: datetime, spend: str = "10", *categories: tuple[str, str]) -> OrderPaidFact:
    lines = tuple((name, Decimal(amount)) for name, amount in categories)
    return OrderPaidFact(f"paid:{next(_keys)}", BO, at, Decimal(spend), lines)


def refund(at: datetime, amount: str) -> RefundFact:
    return RefundFact(f"refund:{next(_keys)}", BO, at, Decimal(amount))


def both(facts: list[Fact], at: datetime) -> dict[str, TagValue]:
    """The tags at ``at`` by the realtime fold, checked equal to the batch recompute."""
    activity = UserActivity(id=BO)
    for fact in facts:
        activity.apply(fact)
    realtime = activity.tag_values(at)
    assert recompute(facts, [BO], at)[BO] == realtime
    return realtime


def test_a_user_who_did_nothing_is_new_and_has_zero_counts_and_spend() -> None:
    values = both([], T0)
    assert values["new_user"] is True
    assert values["installment_customer"] is False
    for days in (30, 90, 365):
        assert values[f"order_count_{days}d"] == 0
        assert values[f"spend_{days}d"] == 0
    absent = {
        "days_since_last_order",
        "refund_rate",
        "preferred_categories",
        "credit_grade",
        "credit_graded_on",
        "installment_since",
    }
    assert not absent & set(values)
    assert set(values) | absent == {spec.name for spec in COMPUTED_TAGS}


@pytest.mark.parametrize(
    ("days_later", "counts"),
    [(0, (1, 1, 1)), (29, (1, 1, 1)), (30, (0, 1, 1)), (89, (0, 1, 1)), (90, (0, 0, 1)),
     (364, (0, 0, 1)), (365, (0, 0, 0))],
)  # fmt: skip
def test_a_window_is_the_business_days_ending_with_the_instants_day(
    days_later: int, counts: tuple[int, int, int]
) -> None:
    values = both([paid(T0, "12.50")], T0 + timedelta(days=days_later))
    for days, count in zip((30, 90, 365), counts, strict=True):
        assert values[f"order_count_{days}d"] == count
        assert values[f"spend_{days}d"] == Decimal("12.50") * count


def test_an_order_later_the_same_day_counts_and_one_on_a_later_day_does_not() -> None:
    values = both([paid(T0 + timedelta(hours=5)), paid(T0 + timedelta(days=1))], T0)
    assert values["order_count_30d"] == 1


def test_days_since_the_last_order_counts_calendar_days_in_the_instants_zone() -> None:
    facts: list[Fact] = [paid(T0 - timedelta(days=400)), paid(T0 - timedelta(days=3))]
    assert both(facts, T0)["days_since_last_order"] == 3
    assert both(facts[:1], T0)["days_since_last_order"] == 400  # beyond every window
    late = datetime(2026, 3, 1, 23, tzinfo=UTC)  # 2 March 07:00 in Shanghai
    shanghai = timezone(timedelta(hours=8))
    assert both([paid(late)], datetime(2026, 3, 2, 12, tzinfo=shanghai))[
        "days_since_last_order"
    ] == 1  # paid on 1 March (its own zone's day), read on 2 March  # fmt: skip


def test_preferred_categories_are_the_top_three_by_spend_ties_by_name() -> None:
    facts: list[Fact] = [
        paid(T0, "100", ("shoes", "40"), ("books", "30"), ("toys", "30")),
        paid(T0, "100", ("food", "30"), ("garden", "0")),
        paid(T0 - timedelta(days=400), "900", ("cars", "900")),  # outside 365 days
    ]
    assert both(facts, T0)["preferred_categories"] == frozenset({"shoes", "books", "food"})


def test_the_refund_rate_is_refunds_over_spend_in_a_year_half_even_at_most_one() -> None:
    assert both([paid(T0, "3"), refund(T0, "1")], T0)["refund_rate"] == Decimal("0.3333")
    assert both([paid(T0, "8"), refund(T0, "0.00005")], T0)["refund_rate"] == Decimal("0")
    old_order = paid(T0 - timedelta(days=366), "100")
    facts: list[Fact] = [old_order, paid(T0, "10"), refund(T0, "100")]
    assert both(facts, T0)["refund_rate"] == 1  # the order refunded fell out of the window
    assert "refund_rate" not in both([refund(T0, "5")], T0)  # no spend: no rate


def test_a_user_stops_being_new_at_the_instant_an_order_completes() -> None:
    facts: list[Fact] = [OrderCompletedFact("completed:o1", BO, T0)]
    assert both(facts, T0 - timedelta(microseconds=1))["new_user"] is True
    assert both(facts, T0)["new_user"] is False
    later = OrderCompletedFact("completed:o2", BO, T0 + timedelta(days=2))
    assert both([later, *facts], T0)["new_user"] is False  # the first completion counts


def test_installment_plans_and_the_latest_credit_grade() -> None:
    facts: list[Fact] = [
        InstallmentFact("plan:p1", BO),
        CreditGradeFact("grade:a1", BO, "B"),
        CreditGradeFact("grade:a2", BO, "A"),
    ]
    values = both(facts, T0)
    assert values["installment_customer"] is True
    assert values["credit_grade"] == "A"


def test_a_fact_applied_twice_counts_once() -> None:
    fact = paid(T0, "10", ("shoes", "10"))
    activity = UserActivity(id=BO)
    assert activity.apply(fact) is True
    assert activity.apply(fact) is False
    assert activity.tag_values(T0)["order_count_30d"] == 1
    assert both([fact, fact], T0)["spend_30d"] == 10


def test_rebuild_forgets_what_was_recorded() -> None:
    activity = UserActivity(id=BO)
    activity.apply(paid(T0))
    activity.apply(InstallmentFact("plan:p9", BO))
    fresh = paid(T0, "7")
    activity.rebuild([fresh])
    assert activity.tag_values(T0) == recompute([fresh], [BO], T0)[BO]


# -- realtime and batch agree ----------------------------------------------------------

USERS = [CustomerId(name) for name in ("al", "bo", "cy")]
ZONES = [UTC, timezone(timedelta(hours=8)), timezone(timedelta(hours=-5))]
amounts = st.integers(min_value=0, max_value=100_000).map(lambda cents: Decimal(cents).scaleb(-2))
hours = st.integers(min_value=0, max_value=23).map(lambda hour: timedelta(hours=hour))


def _instant(days: int, hour: timedelta, zone: timezone) -> datetime:
    return (T0 + timedelta(days=days) + hour).astimezone(zone)


#: Facts fall on a few days (and a few far ones); reads fall on those days or a window's
#: length after them, so window edges are hit often.
instants = st.builds(
    _instant,
    st.one_of(st.integers(min_value=0, max_value=10), st.integers(min_value=0, max_value=400)),
    hours,
    st.sampled_from(ZONES),
)
reads = st.builds(
    _instant,
    st.builds(
        int.__add__,
        st.integers(min_value=0, max_value=10),
        st.sampled_from([0, 1, 29, 30, 31, 89, 90, 91, 364, 365, 366]),
    ),
    hours,
    st.sampled_from(ZONES),
)
users = st.sampled_from(USERS)
keys = st.integers(min_value=0, max_value=40).map(str)  # repeats: re-delivered facts
facts = st.one_of(
    st.builds(
        OrderPaidFact,
        keys.map("paid:".__add__),
        users,
        instants,
        amounts,
        st.lists(
            st.tuples(st.sampled_from(["shoes", "books", "toys", "food", "tea"]), amounts),
            max_size=3,
        ).map(tuple),
    ),
    st.builds(OrderCompletedFact, keys.map("completed:".__add__), users, instants),
    st.builds(RefundFact, keys.map("refund:".__add__), users, instants, amounts),
    st.builds(InstallmentFact, keys.map("plan:".__add__), users),
    st.builds(CreditGradeFact, keys.map("grade:".__add__), users, st.sampled_from("ABC")),
)


@given(history=st.lists(facts, min_size=10, max_size=60), at=reads)
def test_the_realtime_fold_and_the_batch_recompute_agree(history: list[Fact], at: datetime) -> None:
    activities = {user: UserActivity(id=user) for user in USERS}
    for fact in history:  # one event at a time, as the subscriber sees them
        activities[fact.customer_id].apply(fact)
    batch = recompute(history, USERS, at)
    assert {user: activity.tag_values(at) for user, activity in activities.items()} == batch
