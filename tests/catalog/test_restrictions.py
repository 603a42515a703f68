"""Sales restrictions: region, new users, verification, per-customer limit."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from merx.catalog import (
    NewUsersOnly,
    NotListed,
    PurchaseLimitExceeded,
    RestrictedRegion,
    SalesRestrictions,
    SalesRestrictionsChanged,
    Sku,
    VerificationRequired,
)
from merx.errors import BusinessRuleViolation, InvalidQuantity, ValidationError
from tests.catalog.strategies import ZERO_MARGIN, restrictions, words
from tests.catalog.test_sku import make

OK: dict[str, Any] = {
    "region": "Beijing",
    "quantity": 1,
    "already_bought": 0,
    "customer_new_user": True,
    "customer_verified": True,
}


def listed(rules: SalesRestrictions) -> Sku:
    sku = make(restrictions=rules)
    sku.list(policy=ZERO_MARGIN)
    return sku


def check(sku: Sku, **changes: Any) -> None:
    sku.check_purchase(**{**OK, **changes})


def test_no_restrictions_sell_to_anyone_anywhere() -> None:
    sku = listed(SalesRestrictions())
    check(sku, region=None, quantity=99, already_bought=1000, customer_new_user=False)


def test_a_sku_not_on_sale_cannot_be_bought() -> None:
    with pytest.raises(NotListed):
        check(make())


@pytest.mark.parametrize(
    ("rules", "changes", "error"),
    [
        (
            SalesRestrictions(regions=frozenset({"Beijing"})),
            {"region": "Shanghai"},
            RestrictedRegion,
        ),
        (SalesRestrictions(regions=frozenset({"Beijing"})), {"region": None}, RestrictedRegion),
        (SalesRestrictions(new_users_only=True), {"customer_new_user": False}, NewUsersOnly),
        (
            SalesRestrictions(verification_required=True),
            {"customer_verified": False},
            VerificationRequired,
        ),
        (SalesRestrictions(limit_per_customer=2), {"quantity": 3}, PurchaseLimitExceeded),
        (
            SalesRestrictions(limit_per_customer=2),
            {"already_bought": 2, "quantity": 1},
            PurchaseLimitExceeded,
        ),
    ],
)
def test_each_restriction_raises_its_error(
    rules: SalesRestrictions, changes: dict[str, Any], error: type[BusinessRuleViolation]
) -> None:
    sku = listed(rules)
    with pytest.raises(error, match=repr(sku.id)):
        check(sku, **changes)
    assert issubclass(error, BusinessRuleViolation)
    check(sku)  # the same SKU, bought within its restrictions


def test_the_limit_counts_what_was_already_bought() -> None:
    sku = listed(SalesRestrictions(limit_per_customer=3))
    check(sku, already_bought=1, quantity=2)
    with pytest.raises(PurchaseLimitExceeded, match="already bought 2, asked for 2") as caught:
        check(sku, already_bought=2, quantity=2)
    assert (caught.value.limit, caught.value.already_bought, caught.value.quantity) == (3, 2, 2)


def test_bad_counts_are_input_errors() -> None:
    sku = listed(SalesRestrictions())
    with pytest.raises(InvalidQuantity):
        check(sku, quantity=0)
    with pytest.raises(ValidationError):
        check(sku, already_bought=-1)


def test_restriction_values_are_checked() -> None:
    with pytest.raises(ValidationError):
        SalesRestrictions(limit_per_customer=0)
    with pytest.raises(ValidationError):
        SalesRestrictions(regions=frozenset({""}))


def test_changing_restrictions_records_old_and_new() -> None:
    sku = make()
    sku.pull_events()
    rules = SalesRestrictions(new_users_only=True)
    sku.set_restrictions(rules)
    sku.set_restrictions(rules)
    assert sku.pull_events() == [SalesRestrictionsChanged(sku.id, SalesRestrictions(), rules)]


@given(
    rules=restrictions,
    region=st.none() | words,
    counts=st.tuples(st.integers(1, 12), st.integers(0, 12)),
    customer=st.tuples(st.booleans(), st.booleans()),
)
def test_a_purchase_passes_iff_every_rule_allows_it(
    rules: SalesRestrictions,
    region: str | None,
    counts: tuple[int, int],
    customer: tuple[bool, bool],
) -> None:
    quantity, already_bought = counts
    new_user, verified = customer
    allowed = (
        (not rules.regions or region in rules.regions)
        and (new_user or not rules.new_users_only)
        and (verified or not rules.verification_required)
        and (
            rules.limit_per_customer is None
            or already_bought + quantity <= rules.limit_per_customer
        )
    )
    sku = listed(rules)
    try:
        sku.check_purchase(
            region=region,
            quantity=quantity,
            already_bought=already_bought,
            customer_new_user=new_user,
            customer_verified=verified,
        )
    except BusinessRuleViolation:
        assert not allowed
    else:
        assert allowed
