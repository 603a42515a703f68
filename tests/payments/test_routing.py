"""Channel routing: the first matching rule decides; its first available channel pays."""

from __future__ import annotations

from functools import partial

import pytest
from hypothesis import given
from hypothesis import strategies as st

from merx import catalog, checkout, customers, inventory, orders, payments
from merx.adapters.memory.risk import MemoryChannelHealth
from merx.app import MemoryApp, build_memory_app
from merx.customers import Address
from merx.errors import ValidationError
from merx.kernel.bus import MessageBus
from merx.kernel.ids import PLATFORM, CustomerId, OrderId, SkuId, WarehouseId
from merx.kernel.money import Money
from merx.payments import (
    DEFAULT_ROUTING,
    NoChannelAvailable,
    PaymentStatus,
    PayOrderRouted,
    RoutingRule,
)
from merx.payments import services as payment_services
from merx.payments.routing import choose_channel

CHANNELS = ("wechat_pay", "alipay", "bank_card", "unionpay")
METHODS = ("bank_card", "wechat_app", "alipay_app", "balance")


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


ALL = frozenset(CHANNELS)
RULES = (
    RoutingRule("big card", ("unionpay", "bank_card"), methods=frozenset({"bank_card"}),
                min_amount=cny("5000")),
    RoutingRule("card", ("bank_card",), methods=frozenset({"bank_card"})),
    RoutingRule("vip", ("wechat_pay",), customer_tags=frozenset({"vip"})),
    RoutingRule("small", ("alipay", "wechat_pay"), max_amount=cny("100")),
)  # fmt: skip


# -- the pure function --------------------------------------------------------------------


def test_the_first_matching_rule_decides_and_its_first_available_channel_is_chosen() -> None:
    assert choose_channel(RULES, amount=cny("6000"), method="bank_card", available=ALL) == (
        "unionpay"
    )
    down = ALL - {"unionpay"}
    assert choose_channel(RULES, amount=cny("6000"), method="bank_card", available=down) == (
        "bank_card"
    )
    assert choose_channel(RULES, amount=cny("4999.99"), method="bank_card", available=ALL) == (
        "bank_card"
    )


def test_amount_ranges_include_the_minimum_and_exclude_the_maximum() -> None:
    assert choose_channel(RULES, amount=cny("5000"), method="bank_card", available=ALL) == (
        "unionpay"
    )
    assert choose_channel(RULES, amount=cny("99.99"), method="balance", available=ALL) == "alipay"
    with pytest.raises(NoChannelAvailable, match="no routing rule matches"):
        choose_channel(RULES, amount=cny("100"), method="balance", available=ALL)


def test_customer_tags_select_rules_for_the_customers_who_have_them() -> None:
    vip = frozenset({"vip", "new_user"})
    assert (
        choose_channel(RULES, amount=cny("500"), method="balance", available=ALL, customer_tags=vip)
        == "wechat_pay"
    )
    with pytest.raises(NoChannelAvailable):
        choose_channel(RULES, amount=cny("500"), method="balance", available=ALL)


def test_no_fall_through_when_the_matching_rules_channels_are_all_down() -> None:
    with pytest.raises(NoChannelAvailable) as caught:
        choose_channel(RULES, amount=cny("20"), method="bank_card", available=frozenset({"alipay"}))
    error = caught.value
    assert (error.rule, error.method, error.amount) == ("card", "bank_card", cny("20"))
    assert "'card'" in str(error)
    assert "20.00 CNY" in str(error)


def test_a_rule_in_one_currency_does_not_match_another() -> None:
    rules = (RoutingRule("cny only", ("alipay",), currency="CNY"),)
    with pytest.raises(NoChannelAvailable):
        choose_channel(rules, amount=Money.of("5", "USD"), method="balance", available=ALL)
    bounded = (RoutingRule("cny bounded", ("alipay",), max_amount=cny("10")),)
    with pytest.raises(NoChannelAvailable):
        choose_channel(bounded, amount=Money.of("5", "USD"), method="balance", available=ALL)


@pytest.mark.parametrize(
    "make",
    [
        lambda: RoutingRule("empty", ()),
        lambda: RoutingRule("twice", ("alipay", "alipay")),
        lambda: RoutingRule(" ", ("alipay",)),
        lambda: RoutingRule("inverted", ("alipay",), min_amount=cny("10"), max_amount=cny("5")),
        lambda: RoutingRule("mixed", ("alipay",), currency="USD", max_amount=cny("5")),
    ],
)
def test_malformed_rules_are_refused(make: object) -> None:
    with pytest.raises(ValidationError):
        make()  # type: ignore[operator]


rules_strategy = st.lists(
    st.builds(
        RoutingRule,
        name=st.text("abc", min_size=1, max_size=3),
        channels=st.lists(st.sampled_from(CHANNELS), min_size=1, max_size=3, unique=True),
        methods=st.frozensets(st.sampled_from(METHODS), max_size=2),
        min_amount=st.none() | st.integers(0, 50).map(lambda n: cny(str(n * 100))),
        customer_tags=st.frozensets(st.sampled_from(("vip", "new_user")), max_size=1),
    ),
    max_size=5,
)


@given(
    rules=rules_strategy,
    amount_minor=st.integers(1, 10**6),
    method=st.sampled_from(METHODS),
    available=st.frozensets(st.sampled_from(CHANNELS)),
    tags=st.frozensets(st.sampled_from(("vip", "new_user"))),
)
def test_the_choice_is_available_and_allowed_by_the_first_matching_rule_or_it_raises(
    rules: list[RoutingRule],
    amount_minor: int,
    method: str,
    available: frozenset[str],
    tags: frozenset[str],
) -> None:
    amount = Money.from_minor(amount_minor, "CNY")
    first = next(
        (r for r in rules if r.matches(amount=amount, method=method, customer_tags=tags)), None
    )
    usable = first is not None and bool(set(first.channels) & available)
    if not usable:
        with pytest.raises(NoChannelAvailable) as caught:
            choose_channel(
                rules, amount=amount, method=method, available=available, customer_tags=tags
            )
        assert caught.value.rule == (None if first is None else first.name)
        return
    chosen = choose_channel(
        rules, amount=amount, method=method, available=available, customer_tags=tags
    )
    assert first is not None
    assert chosen in available
    assert chosen in first.channels
    # the most preferred of the rule's available channels
    assert chosen == next(c for c in first.channels if c in available)


# -- paying through the routed command ------------------------------------------------------

SKU, DC = SkuId("lamp"), WarehouseId("wh")


@pytest.fixture
def app() -> MemoryApp:
    app = build_memory_app()
    app.handle(catalog.CreateSku(SKU, "Lamp", PLATFORM, "lamp", cny("80.00")))
    app.handle(inventory.OpenWarehouse(DC, "DC", "-", {"sh": 1}))
    app.handle(inventory.ReceiveStock(DC, SKU, 5, "po"))
    return app


def place(app: MemoryApp, who: str = "amy") -> OrderId:
    cid = app.handle(customers.RegisterCustomer(CustomerId(who), who, "1"))
    app.handle(customers.AddAddress(cid, "home", Address(who, "1", "sh", "road"), default=True))
    app.handle(checkout.AddToCart(cid, SKU, 1))
    return app.handle(orders.PlaceOrder(cid)).parent_id


def routed_bus(app: MemoryApp, health: MemoryChannelHealth) -> MessageBus:
    bus = MessageBus(app.unit_of_work, app.events)
    bus.register(
        PayOrderRouted,
        partial(
            payment_services.pay_order_routed,
            gateways=app.gateways,
            clock=app.clock,
            ids=app.ids,
            inventory=app.inventory,
            rules=DEFAULT_ROUTING,
            health=health,
        ),
    )
    return bus


def test_the_routed_command_pays_through_the_chosen_channel(app: MemoryApp) -> None:
    health = MemoryChannelHealth()
    bus = routed_bus(app, health)
    parent = place(app)
    outcome = bus.handle(PayOrderRouted(parent, "bank_card"))
    assert outcome.status is PaymentStatus.SUCCEEDED
    assert app.get(payments.Payment, outcome.payment_id).channel == "bank_card"
    assert app.get(orders.ParentOrder, parent).status is orders.ParentStatus.PAID
    assert app.gateways["bank_card"].query(payment_id=outcome.payment_id).captured == cny("80")


def test_a_channel_marked_down_is_skipped_for_the_next_preferred_one(app: MemoryApp) -> None:
    health = MemoryChannelHealth()
    bus = routed_bus(app, health)
    health.mark_down("alipay")
    outcome = bus.handle(PayOrderRouted(place(app), "balance"))
    assert app.get(payments.Payment, outcome.payment_id).channel == "wechat_pay"
    health.mark_up("alipay")
    again = bus.handle(PayOrderRouted(place(app, "bo"), "balance"))
    assert app.get(payments.Payment, again.payment_id).channel == "alipay"


def test_nothing_is_stored_when_no_channel_can_take_the_payment(app: MemoryApp) -> None:
    health = MemoryChannelHealth(down=["bank_card"])
    bus = routed_bus(app, health)
    parent = place(app)
    events = len(app.events.events)
    with pytest.raises(NoChannelAvailable, match="bank card"):
        bus.handle(PayOrderRouted(parent, "bank_card"))
    assert len(app.events.events) == events
    assert app.get(orders.ParentOrder, parent).payment_attempt is None
    with app.unit_of_work() as uow:
        assert list(uow.repo(payments.Payment).ids()) == []
