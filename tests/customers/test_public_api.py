"""merx.customers's public API, pinned: a name added or dropped is a visible decision."""

from __future__ import annotations

from merx import customers

PUBLIC = [
    "AddAddress",
    "Address",
    "AddressAdded",
    "Customer",
    "CustomerRegistered",
    "CustomerVerified",
    "FirstOrderCompleted",
    "RegisterCustomer",
    "UnknownAddress",
    "VerifyCustomer",
]


def test_the_public_api_is_exactly_these_names() -> None:
    assert sorted(customers.__all__) == PUBLIC
    assert len(PUBLIC) <= 60
    for name in PUBLIC:
        assert getattr(customers, name) is not None
