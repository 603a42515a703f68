"""PersonalData survives its converter in any state (property), and malformed data is
refused with a ValidationError."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from merx.errors import ValidationError
from merx.kernel.ids import CustomerId
from merx.people import BankCard, Channel, ConsentRecord, PersonalData, Sealed, serde

texts = st.text(min_size=1, max_size=20)
sealed = st.builds(Sealed, token=texts, masked=texts)
records = st.builds(
    ConsentRecord,
    channel=st.sampled_from(Channel),
    granted=st.booleans(),
    at=st.integers(0, 10**8).map(lambda s: datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=s)),
    source=texts,
)
people_data = st.builds(
    PersonalData,
    id=texts.map(CustomerId),
    name=st.none() | sealed,
    phone=st.none() | sealed,
    id_card=st.none() | sealed,
    cards=st.dictionaries(texts, sealed).map(
        lambda cards: {key: BankCard(key, number) for key, number in cards.items()}
    ),
    consents=st.lists(records, max_size=8),
    forgotten=st.booleans(),
)


@given(people_data)
def test_personal_data_round_trips_through_json(person: PersonalData) -> None:
    back = serde.structure(json.loads(json.dumps(serde.unstructure(person))), PersonalData)
    assert back == person


def test_malformed_personal_data_is_refused() -> None:
    data = serde.unstructure(PersonalData.open(CustomerId("amy")))
    with pytest.raises(ValidationError):
        serde.structure({**data, "consents": [{"channel": "fax"}]}, PersonalData)
    with pytest.raises(ValidationError):
        serde.structure("not a dict", PersonalData)
