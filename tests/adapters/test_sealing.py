"""Schema 7's rewrite of a document (``merx.adapters.sealing``): every clear personal value
leaves the document for the vault rows, each row keeps the value its token replaced, and
a document sealed already is left as it is (the step may run twice)."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from merx.adapters.sealing import seal_stored

phones = st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)


@st.composite
def old_documents(draw: st.DrawFn) -> list[tuple[str, str, dict[str, Any]]]:
    labels = draw(st.lists(st.sampled_from(["home", "work", "mum"]), unique=True, max_size=3))
    customer = {
        "id": "c1",
        "phone": draw(phones),
        "addresses": {label: {"recipient": "A", "phone": draw(phones)} for label in labels},
    }
    account: str | None = draw(st.none() | phones)
    order = {"id": "o1", "ship_to": {"recipient": "A", "phone": draw(phones)}, "account": account}
    top_up = {"id": "t1", "account": draw(phones)}
    identity = {"legal_name": "Amy Li", "id_number": "11010519491231002X", "phone": draw(phones)}
    return [
        ("customers.Customer", "c1", customer),
        ("orders.Order", "o1", order),
        ("fulfillment.TopUp", "t1", top_up),
        ("credit.CreditApplication", "a1", {"id": "a1", "identity": identity}),
        ("catalog.Sku", "s1", {"id": "s1", "phone": draw(phones)}),  # not a kind it seals
    ]


def clear_values(kind: str, document: dict[str, Any]) -> list[str]:
    values = [document.get("phone"), document.get("account")]
    values += [(document.get("ship_to") or {}).get("phone")]
    values += [a["phone"] for a in (document.get("addresses") or {}).values()]
    values += list((document.get("identity") or {}).values())
    return [v for v in values if isinstance(v, str)] if kind != "catalog.Sku" else []


@given(old_documents())
def test_every_clear_value_goes_to_the_vault_and_a_second_run_changes_nothing(
    documents: list[tuple[str, str, dict[str, Any]]],
) -> None:
    rows = [(kind, key, json.dumps(doc)) for kind, key, doc in documents]
    changed, kept = seal_stored(rows)
    expected = [value for kind, _, doc in documents for value in clear_values(kind, doc)]
    assert sorted(value for _, _, value in kept) == sorted(expected)
    assert len({token for token, _, _ in kept}) == len(kept)
    assert {kind for kind, _, _ in changed} == {kind for kind, _, _ in documents} - {"catalog.Sku"}
    for kind, key, document in changed:
        text = json.dumps(document)
        for value in clear_values(kind, dict(next(d for k, i, d in documents if i == key))):
            assert value not in text, (kind, value)
    again, more = seal_stored([(kind, key, json.dumps(doc)) for kind, key, doc in changed])
    assert (again, more) == ([], [])
