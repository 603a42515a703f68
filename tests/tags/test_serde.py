"""The tags context's aggregates survive their converter (to JSON text and back) and a
database store: values, expiries and activity come back as they were stored."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from merx.errors import ValidationError
from merx.kernel.ids import CustomerId
from merx.tags import (
    BUILTIN_TAGS,
    Subject,
    SubjectTags,
    TagDefinition,
    TagKind,
    TagStatus,
    UserActivity,
)
from merx.tags import serde as tags_serde
from merx.tags.activity import DayActivity
from merx.tags.model import HeldValue

T0 = datetime(2026, 3, 1, 9, tzinfo=UTC)
instants = st.builds(
    lambda minutes, hours: (T0 + timedelta(minutes=minutes)).astimezone(
        timezone(timedelta(hours=hours))
    ),
    st.integers(min_value=-100_000, max_value=100_000),
    st.integers(min_value=-12, max_value=14),
)
decimals = st.decimals(allow_nan=False, allow_infinity=False, places=4, max_value=10**9)
texts = st.text(min_size=1, max_size=8).filter(str.strip)
values = st.one_of(
    st.booleans(),
    texts,
    decimals,
    st.dates(),
    st.frozensets(st.text(max_size=5), max_size=4),
)
held = st.builds(HeldValue, values, instants, st.none() | instants)
subject_tags = st.builds(
    SubjectTags,
    subject=st.builds(Subject, st.sampled_from([TagKind.USER, TagKind.PRODUCT]), texts),
    held=st.dictionaries(st.sampled_from(["vip", "gender", "score", "since"]), held),
)
definitions = st.builds(
    TagDefinition, spec=st.sampled_from(BUILTIN_TAGS), status=st.sampled_from(TagStatus)
)
money = st.integers(min_value=0, max_value=10**7).map(lambda cents: Decimal(cents).scaleb(-2))
activities = st.builds(
    UserActivity,
    id=texts.map(CustomerId),
    days=st.dictionaries(
        st.dates(),
        st.builds(
            DayActivity,
            st.integers(min_value=0, max_value=9),
            money,
            money,
            st.lists(st.tuples(texts, money), max_size=3).map(lambda pairs: tuple(sorted(pairs))),
        ),
        max_size=4,
    ),
    first_completed_at=st.none() | instants,
    installment=st.booleans(),
    credit_grade=st.none() | texts,
    seen=st.sets(texts, max_size=4),
)


def round_trip(value: Any) -> Any:
    text = json.dumps(tags_serde.unstructure(value))
    return tags_serde.structure(json.loads(text), type(value))


@given(st.one_of(subject_tags, definitions, activities))
def test_every_tags_aggregate_round_trips_through_json(aggregate: Any) -> None:
    again = round_trip(aggregate)
    assert again == aggregate
    if isinstance(aggregate, SubjectTags):  # each value keeps its Python type
        for name, one in aggregate.held.items():
            assert type(again.held[name].value) is type(one.value)


def test_a_value_is_written_with_its_kind() -> None:
    one = SubjectTags(
        subject=Subject.user("bo"),
        held={
            "since": HeldValue(date(2026, 1, 2), T0),
            "score": HeldValue(Decimal("1.50"), T0, T0 + timedelta(days=1)),
            "seen": HeldValue(frozenset({"b", "a"}), T0),
        },
    )
    written = tags_serde.unstructure(one)["held"]
    assert written["since"]["value"] == {"date": "2026-01-02"}
    assert written["score"]["value"] == {"number": "1.50"}
    assert written["seen"]["value"] == {"set": ["a", "b"]}


@pytest.mark.parametrize(
    "value",
    [{"bool": 1}, {"number": 1.5}, {"set": ["a", 1]}, {"colour": "red"}, {"bool": True, "x": 1}, 3],
)
def test_a_malformed_value_is_refused(value: object) -> None:
    data = tags_serde.unstructure(SubjectTags(subject=Subject.user("bo")))
    data["held"] = {"vip": {"value": value, "set_at": T0.isoformat(), "expires_at": None}}
    with pytest.raises(ValidationError):
        tags_serde.structure(data, SubjectTags)
