"""Issue 14, as properties: no input to the cart and order commands raises anything but a
``MerxError``, and a refused command changes nothing (every version, the event log)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from merx import checkout, orders
from merx.errors import MerxError
from merx.kernel.money import Money
from tests.orders.test_input_bounds import ACCOUNT, AMY, PHONE, TOPUP, shop

anything: st.SearchStrategy[Any] = st.one_of(
    st.integers(),
    st.integers(min_value=10**9, max_value=10**40),
    st.integers(max_value=0),
    st.booleans(),
    st.none(),
    st.floats(allow_nan=True),
    st.decimals(allow_nan=True),
    st.text(max_size=4),
    st.lists(st.integers(), max_size=2),
)
quantities = st.one_of(st.integers(1, 1_200), anything)
skus = st.one_of(st.sampled_from([PHONE, TOPUP, "nothing"]), anything)
customers = st.one_of(st.just(AMY), anything)

SHOP = shop()


def snapshot() -> tuple[dict[tuple[str, str], int], int]:
    versions = {
        (kind.__name__, key): row[0]
        for kind, table in SHOP.store.tables.items()
        for key, row in table.items()
    }
    return versions, len(SHOP.events.events)


def refused_changes_nothing(command: Any) -> bool:
    """Send ``command``: ``True`` if it was accepted; a refusal must be a ``MerxError``
    that left every version and the event log as they were."""
    before = snapshot()
    try:
        SHOP.handle(command)
    except MerxError:
        assert snapshot() == before
        return False
    return True


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(customer=customers, sku=skus, quantity=quantities, set_it=st.booleans())
def test_any_cart_change_is_done_or_refused_with_a_merx_error(
    customer: Any, sku: Any, quantity: Any, set_it: bool
) -> None:
    command: Any = (
        checkout.SetCartQuantity(customer, sku, quantity)
        if set_it
        else checkout.AddToCart(customer, sku, quantity)
    )
    refused_changes_nothing(command)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    quantity=quantities,
    sku=st.sampled_from([PHONE, TOPUP]),
    customer=customers,
    address_label=st.one_of(st.none(), st.just("h"), anything),
    account=st.one_of(st.none(), st.just(ACCOUNT), anything),
    payment_method=st.one_of(st.none(), st.just("balance"), anything),
    expected_payable=st.one_of(
        st.none(),
        st.builds(Money.of, st.decimals(0, 10**7, places=2), st.sampled_from(["CNY", "USD"])),
        st.decimals(allow_nan=False, places=2),
        anything,
    ),
)
def test_any_order_is_placed_or_refused_with_a_merx_error(  # noqa: PLR0917 (hypothesis)
    quantity: Any,
    sku: Any,
    customer: Any,
    address_label: Any,
    account: Any,
    payment_method: Any,
    expected_payable: Any,
) -> None:
    refused_changes_nothing(checkout.AddToCart(AMY, sku, quantity))
    command: Any = orders.PlaceOrder(
        customer, address_label, account, payment_method, expected_payable
    )
    if refused_changes_nothing(command):
        assert isinstance(customer, str)


def test_the_limits_hold_for_every_accepted_cart() -> None:
    """Whatever was accepted above, no cart holds more than the default limits allow."""
    limits = orders.OrderPolicy().limits
    with SHOP.unit_of_work() as uow:
        for key in list(uow.repo(checkout.Cart).ids()):
            cart = uow.repo(checkout.Cart).view(key)
            units = [item.quantity for item in cart.items.values()]
            assert all(0 < n <= limits.units_per_line for n in units)
            assert sum(units) <= limits.units_per_order
    assert limits.amount_per_order == Decimal("1000000.00")
