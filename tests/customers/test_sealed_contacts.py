"""Personal values outside the people context are sealed at the vault: a customer's phone,
an address's phone (and the orders shipped to it), a top-up's account, a credit
application's identity. The documents hold tokens and masks, the vault the values; a
refused command leaves nothing at the vault."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from merx import catalog, checkout, credit, customers, inventory, orders
from merx.adapters.memory import MemoryVault
from merx.app import MemoryApp, build_memory_app
from merx.app.documents import documents
from merx.customers import Address, Customer
from merx.errors import AlreadyExists, NotFound, ValidationError
from merx.kernel.ids import PLATFORM, CustomerId, SkuId, WarehouseId
from merx.kernel.money import Money
from merx.kernel.vault import Sealed, mask_name, mask_number

AMY = CustomerId("amy")
PHONE, HOME_PHONE, WORK_PHONE = "13800138000", "13700137000", "021-5555-0101"
DC, SKU = WarehouseId("dc"), SkuId("phone-x")


def shop() -> tuple[MemoryApp, MemoryVault]:
    vault = MemoryVault()
    app = build_memory_app(vault=vault)
    app.handle(inventory.OpenWarehouse(DC, "DC", "-", {"sh": 10}))
    app.handle(catalog.CreateSku(SKU, "Phone X", PLATFORM, "phone", Money.of("99.00", "CNY")))
    app.handle(inventory.ReceiveStock(DC, SKU, 5, "po-1"))
    return app, vault


def stored(app: MemoryApp) -> str:
    known = documents()
    return json.dumps(
        [
            known.write(snapshot)
            for rows in app.store.tables.values()
            for _, snapshot in rows.values()
        ],
        default=str,
    )


def test_a_customer_and_the_orders_to_an_address_hold_sealed_phones() -> None:
    app, vault = shop()
    app.handle(customers.RegisterCustomer(AMY, "Amy", PHONE))
    app.handle(customers.AddAddress(AMY, "home", Address("Amy", HOME_PHONE, "sh", "1 Rd")))
    customer = app.get(Customer, AMY)
    assert customer.phone.masked == "138****8000"
    assert vault.reveal(customer.phone.token) == PHONE
    home = customer.address("home").phone
    assert isinstance(home, Sealed)
    assert (home.masked, vault.reveal(home.token)) == ("137****7000", HOME_PHONE)
    app.handle(checkout.AddToCart(AMY, SKU, 1))
    placed = app.handle(orders.PlaceOrder(AMY))
    order = app.get(orders.Order, placed.order_ids[0])
    assert order.ship_to is not None
    assert order.ship_to.phone == home  # the same token: a carrier reveals it at booking
    assert order.account is None  # no top-up in the cart: nothing sealed for it
    for value in (PHONE, HOME_PHONE):
        assert value not in stored(app)
        assert value not in repr(app.events.events)


def test_any_phone_shape_is_sealed_and_an_empty_one_refused_with_nothing_kept() -> None:
    app, vault = shop()
    app.handle(customers.RegisterCustomer(AMY, "Amy", PHONE))
    kept = len(vault)
    app.handle(customers.AddAddress(AMY, "work", Address("Amy", WORK_PHONE, "sh", "2 Rd")))
    work = app.get(Customer, AMY).address("work").phone
    assert isinstance(work, Sealed)
    assert work.masked == "021******0101"
    assert len(vault) == kept + 1
    with pytest.raises(ValidationError):
        customers.AddAddress(AMY, "x", Address("Amy", " ", "sh", "3 Rd"))
    with pytest.raises(ValidationError):
        app.handle(customers.RegisterCustomer(CustomerId("bo"), "Bo", "  "))
    with pytest.raises(NotFound):
        app.handle(customers.AddAddress(CustomerId("nobody"), "h", Address("N", PHONE, "sh", "r")))
    with pytest.raises(ValidationError):
        app.handle(customers.AddAddress(AMY, " ", Address("Amy", PHONE, "sh", "r")))
    assert len(vault) == kept + 1  # the refused commands left nothing at the vault


def test_registering_a_customer_twice_forgets_the_second_token() -> None:
    app, vault = shop()
    app.handle(customers.RegisterCustomer(AMY, "Amy", PHONE))
    with pytest.raises(AlreadyExists):
        app.handle(customers.RegisterCustomer(AMY, "Amy", "13900139000"))
    assert len(vault) == 1


def test_a_credit_application_keeps_the_identity_sealed() -> None:
    app, vault = shop()
    identity = credit.Identity("Amy Li", "11010519491231002X", PHONE)
    facts = credit.ScoringFacts(AMY, 30, Money.of("15000.00", "CNY"), 12, 0, Money.of("0", "CNY"))
    consent = credit.Consent(True, datetime(2026, 1, 1, tzinfo=UTC), "v1")
    decision = app.handle(credit.ApplyForCredit(AMY, identity, consent, facts))
    application = app.get(credit.CreditApplication, decision.application_id)
    sealed = application.identity
    assert (sealed.legal_name.masked, sealed.id_number.masked, sealed.phone.masked) == (
        "A*****",
        "110***********002X",
        "138****8000",
    )
    assert vault.reveal(sealed.id_number.token) == "11010519491231002X"
    assert "11010519491231002X" not in stored(app)
    kept = len(vault)
    refused = credit.Consent(False, consent.at, "v1")
    with pytest.raises(credit.ConsentMissing):
        app.handle(credit.ApplyForCredit(CustomerId("bo"), identity, refused, facts))
    assert len(vault) == kept


@given(st.text(alphabet="0123456789-+ ", min_size=1, max_size=24))
def test_a_number_mask_never_shows_more_than_seven_characters(value: str) -> None:
    masked = mask_number(value)
    shown = [c for c in masked if c != "*"]
    assert len(masked) == len(value.strip())
    assert len(shown) <= 7
    if len(value.strip()) >= 11:
        assert masked[:3] == value.strip()[:3]
        assert masked[-4:] == value.strip()[-4:]


def test_a_name_mask_shows_the_first_character() -> None:
    assert mask_name("张三丰") == "张**"
    assert mask_name(" Amy ") == "A**"


def test_a_document_that_cannot_be_read_is_refused_without_its_values() -> None:
    document = {"id": "amy", "name": "Amy", "phone": PHONE, "addresses": {}}  # clear: old
    with pytest.raises(ValidationError) as refused:
        documents().read(Customer, document)
    assert "Customer" in str(refused.value)
    assert "'phone'" in str(refused.value)  # the field names help; the values are left out
    assert PHONE not in str(refused.value)
