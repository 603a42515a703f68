"""A points account and its events survive their converter: to JSON text and back, equal
to themselves, whatever movements they hold; malformed data is a ``ValidationError``."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from merx.errors import MerxError, ValidationError
from merx.kernel.ids import CustomerId
from merx.points import PointsAccount, PointsRecord
from merx.points import serde as points_serde
from tests.points.held import HeldAccount

START = datetime(2026, 1, 1, 9, tzinfo=UTC)

#: (what, points, days later); "earn" lasts ``points % 40`` days, or never when 0.
MOVES = st.lists(
    st.tuples(
        st.sampled_from(["earn", "spend", "back", "expire"]),
        st.integers(1, 400),
        st.integers(0, 5),
    ),
    max_size=25,
)


@settings(max_examples=80)
@given(MOVES)
def test_an_account_and_its_events_survive_a_round_trip(moves: list[tuple[str, int, int]]) -> None:
    held = HeldAccount("alice")
    at = START
    for n, (what, points, later) in enumerate(moves):
        at += timedelta(days=later)
        lasts = points % 40
        try:
            if what == "earn":
                expires = at.date() + timedelta(days=lasts) if lasts else None
                held.earn(points, "task", f"t{n}", expires, at)
            elif what == "spend":
                held.spend(points, f"o{n}", at)
            elif what == "back":
                spends = [e.ref for e in held.entries if e.key.startswith("spent:")]
                if spends:
                    held.give_back(spends[points % len(spends)], points, f"r{n}", at)
            else:
                held.expire(at.date(), at)
        except MerxError:
            pass  # a refused move changes nothing; the others go on
    account = held.account
    data = json.loads(json.dumps(points_serde.unstructure(account)))
    assert points_serde.structure(data, PointsAccount) == account
    for entry in held.entries:
        record = PointsRecord(customer_id=account.id, entry=entry)
        text = json.loads(json.dumps(points_serde.unstructure(record)))
        assert points_serde.structure(text, PointsRecord) == record
    for event in account.pull_events():
        text = json.loads(json.dumps(points_serde.converter.unstructure(event)))
        assert points_serde.converter.structure(text, type(event)) == event


def test_malformed_data_is_a_validation_error() -> None:
    with pytest.raises(ValidationError):
        points_serde.structure({"entries": []}, PointsAccount)
    held = HeldAccount("alice")
    held.earn(10, "task", "t1", date(2026, 2, 1), START)
    data = points_serde.unstructure(held.account)
    data["balance"] = 1.5
    with pytest.raises(ValidationError):
        points_serde.structure(data, PointsAccount)
    record = points_serde.unstructure(
        PointsRecord(customer_id=CustomerId("alice"), entry=held.entries[0])
    )
    record["entry"]["points"] = 10.0
    with pytest.raises(ValidationError):
        points_serde.structure(record, PointsRecord)
