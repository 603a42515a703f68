"""Laws of the risk documents: a listing ends exactly at its expiry, velocity counts equal
a reference count over the same events, rule scores equal a reference recomputed from the
labelled decisions, and the documents survive a round trip through their serde."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import hypothesis.strategies as st
from hypothesis import given, settings

from merx import risk
from merx.risk import serde
from merx.risk.model import MAX_TICKS, RETENTION, Listing

START = datetime(2026, 3, 1, tzinfo=UTC)
seconds = st.integers(min_value=0, max_value=40 * 24 * 3600)
COUNTERS = ("login", "payment_out", "claim")


@given(listed_s=seconds, lasts_s=st.integers(1, 10**7), probe_s=seconds)
def test_a_listing_holds_until_exactly_its_expiry(
    listed_s: int, lasts_s: int, probe_s: int
) -> None:
    key = risk.RiskKey.open("device:d")
    listed_at = START + timedelta(seconds=listed_s)
    expires_at = listed_at + timedelta(seconds=lasts_s)
    key.put_on_list(risk.ListColor.BLACK, "stolen", expires_at, listed_at)
    probe = START + timedelta(seconds=probe_s)
    assert (key.listed(probe) is risk.ListColor.BLACK) == (probe < expires_at)
    assert key.listed(expires_at) is None
    assert key.listed(expires_at - timedelta(microseconds=1)) is risk.ListColor.BLACK


@given(listed_s=seconds, lasts_s=st.integers(-100, 0))
def test_a_listing_expiring_by_now_is_refused_and_changes_nothing(
    listed_s: int, lasts_s: int
) -> None:
    key = risk.RiskKey.open("ip:digest")
    at = START + timedelta(seconds=listed_s)
    try:
        key.put_on_list(risk.ListColor.GREY, "r", at + timedelta(seconds=lasts_s), at)
    except risk.InvalidRiskInput:
        pass
    else:
        raise AssertionError("an expiry not after now must be refused")
    assert key.listing is None
    assert key.pending_events == []


events = st.lists(
    st.tuples(st.sampled_from(COUNTERS), st.integers(0, 35 * 24 * 3600), st.integers(0, 10**6)),
    max_size=60,
)
windows = st.sampled_from([timedelta(minutes=10), timedelta(hours=1), timedelta(days=1), RETENTION])


@given(events=events, window=windows, probe_s=st.integers(0, 36 * 24 * 3600))
def test_velocity_counts_equal_a_reference_count(
    events: list[tuple[str, int, int]], window: timedelta, probe_s: int
) -> None:
    """Ticks arrive in time order; a count over ``(at - window, at]`` equals counting the
    raw events, as long as the window is within the retention before the last tick."""
    key = risk.RiskKey.open("account:a")
    ordered = sorted(events, key=lambda event: event[1])
    for counter, at_s, minor in ordered:
        key.tick(counter, START + timedelta(seconds=at_s), minor, member=str(at_s % 7))
    probe = START + timedelta(seconds=probe_s)
    last = START + timedelta(seconds=ordered[-1][1]) if ordered else START
    if probe - window < last - RETENTION:
        return  # what was pruned is outside the law
    for counter in COUNTERS:
        kept = [
            (at_s, minor)
            for name, at_s, minor in ordered
            if name == counter and probe - window < START + timedelta(seconds=at_s) <= probe
        ]
        assert key.count(counter, probe, window) == len(kept)
        assert key.total_minor(counter, probe, window) == sum(minor for _, minor in kept)
        assert key.members(counter, probe, window) == {str(at_s % 7) for at_s, _ in kept}
    assert len(key.ticks) <= MAX_TICKS


@given(events=events, probe_s=st.integers(0, 36 * 24 * 3600))
def test_ticks_counted_out_of_order_count_as_in_order(
    events: list[tuple[str, int, int]], probe_s: int
) -> None:
    in_order, out_of_order = risk.RiskKey.open("ip:a"), risk.RiskKey.open("ip:b")
    for key, arrival in ((in_order, sorted(events, key=lambda e: e[1])), (out_of_order, events)):
        for counter, at_s, minor in arrival:
            key.tick(counter, START + timedelta(seconds=at_s), minor)
    assert [t.at for t in out_of_order.ticks] == sorted(t.at for t in out_of_order.ticks)
    probe = START + timedelta(seconds=probe_s)
    if any(e[1] for e in events) and max(e[1] for e in events) - min(e[1] for e in events) > (
        RETENTION.total_seconds()
    ):
        return  # pruning depends on the arrival order
    for counter in COUNTERS:
        assert in_order.count(counter, probe, timedelta(days=1)) == out_of_order.count(
            counter, probe, timedelta(days=1)
        )


def test_ticks_are_bounded_and_pruned() -> None:
    key = risk.RiskKey.open("device:busy")
    for n in range(MAX_TICKS + 50):
        key.tick("login", START + timedelta(seconds=n))
    assert len(key.ticks) == MAX_TICKS
    key.tick("login", START + RETENTION + timedelta(seconds=100))
    assert all(t.at > START + timedelta(seconds=100) for t in key.ticks)


def _assessment(n: int, rules: tuple[str, ...]) -> risk.RiskAssessment:
    fired = tuple(risk.FiredRule(rule, risk.Outcome.REVIEW) for rule in rules)
    return risk.RiskAssessment(f"d{n}", "payment", "a", risk.Outcome.REVIEW, None, fired, 1, START)


rule_sets = st.lists(st.sets(st.sampled_from(["r1", "r2", "r3"])), max_size=8)
labels = st.sampled_from(list(risk.RiskLabel))


@given(
    accounts=st.lists(st.tuples(rule_sets, st.lists(labels, min_size=1, max_size=3)), max_size=6)
)
def test_rule_scores_equal_a_reference_over_the_latest_labels(
    accounts: list[tuple[list[set[str]], list[risk.RiskLabel]]],
) -> None:
    scores = risk.RuleScores()
    final: list[tuple[list[risk.RiskAssessment], risk.RiskLabel]] = []
    for n, (decided, relabels) in enumerate(accounts):
        assessments = [_assessment(n * 100 + k, tuple(sorted(r))) for k, r in enumerate(decided)]
        before: risk.RiskLabel | None = None
        for label in relabels:  # a new label replaces the old one
            if before is not None:
                scores.apply(assessments, before, -1)
            scores.apply(assessments, label, 1)
            before = label
        final.append((assessments, relabels[-1]))
    bad_total = sum(len(a) for a, label in final if label.bad)
    for score in scores.report():
        bad = sum(1 for a, label in final if label.bad for d in a if score.rule in d.rules)
        legit = sum(1 for a, label in final if not label.bad for d in a if score.rule in d.rules)
        assert (score.fired_bad, score.fired_legit) == (bad, legit)
        if bad + legit:
            assert score.precision is not None
            assert abs(score.precision - type(score.precision)(bad) / (bad + legit)) < 1e-4
        if bad_total:
            assert score.recall is not None
            assert abs(score.recall - type(score.recall)(bad) / bad_total) < 1e-4
        else:
            assert score.recall is None


@settings(max_examples=30)
@given(events=events, listed=st.booleans())
def test_risk_documents_survive_a_round_trip(
    events: list[tuple[str, int, int]], listed: bool
) -> None:
    key = risk.RiskKey.open("account:a")
    for counter, at_s, minor in sorted(events, key=lambda e: e[1]):
        key.tick(counter, START + timedelta(seconds=at_s), minor, member="m")
    key.link("device:d")
    if listed:
        key.listing = Listing(risk.ListColor.GREY, "why", START, START + timedelta(days=1))
    key.remember(_assessment(1, ("r1", "r2")))
    key.pull_events()
    assert serde.structure(serde.unstructure(key), risk.RiskKey) == key
    case = risk.ReviewCase.open(
        _assessment(2, ("r1",)), "parent-1", timedelta(hours=1), risk.ReviewOutcome.REJECT
    )
    assert serde.structure(serde.unstructure(case), risk.ReviewCase) == case
    scores = risk.RuleScores()
    scores.apply([_assessment(3, ("r1",))], risk.RiskLabel.FRAUD, 1)
    assert serde.structure(serde.unstructure(scores), risk.RuleScores) == scores
