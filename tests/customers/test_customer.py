"""A customer stops being a new user when a first order completes, and says so once."""

from __future__ import annotations

import pytest

from merx.customers import Address, Customer, FirstOrderCompleted, UnknownAddress
from merx.errors import NotFound
from merx.kernel.ids import CustomerId, OrderId
from merx.kernel.vault import Sealed


def amy() -> Customer:
    customer = Customer.register(
        customer_id=CustomerId("amy"), name="Amy", phone=Sealed("vt-phone-1", "*")
    )
    customer.pull_events()
    return customer


def test_the_first_completed_order_ends_new_user_and_records_it_once() -> None:
    assert amy().new_user
    customer = amy()
    customer.order_completed(OrderId("o-1"))
    assert not customer.new_user
    assert customer.pull_events() == [FirstOrderCompleted(customer.id, OrderId("o-1"))]
    customer.order_completed(OrderId("o-2"))
    assert customer.pending_events == []


def test_an_unknown_address_is_a_not_found() -> None:
    customer = amy()
    with pytest.raises(UnknownAddress):
        customer.address()
    customer.add_address("home", Address("Amy", "1", "sh", "1 Road"))
    assert customer.address().region == "sh"
    with pytest.raises(NotFound, match="'work'"):
        customer.address("work")
