"""Transaction authentication decided by risk control: deny, allow, or prove it first."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

import pytest

from merx import catalog, checkout, customers, inventory, orders, payments
from merx.adapters.memory.risk import MemoryTransactionRisk, RiskRules
from merx.app import MemoryApp, build_memory_app, register_cashier
from merx.customers import Address
from merx.errors import IllegalTransition
from merx.inventory import InventoryPolicy, LockPolicy, StockItem, stock_key
from merx.kernel.bus import MessageBus
from merx.kernel.ids import PLATFORM, CustomerId, OrderId, PaymentId, SkuId, WarehouseId
from merx.kernel.money import Money
from merx.payments import (
    AuthenticateTransaction,
    AuthenticationExpired,
    AuthenticationLocked,
    AuthenticationPolicy,
    AuthFactor,
    ExpirePaymentAuthentications,
    NoAuthenticationPending,
    PaymentDenied,
    PaymentStatus,
    PayOrder,
    SyncPayment,
    UnknownPayment,
    WrongAuthenticationFactor,
    WrongProof,
)
from merx.payments import services as payment_services
from merx.payments.model import AuthenticationStatus
from merx.payments.ports import RiskDecision, RiskVerdict
from tests.counting import CountingUnitOfWork

SKU, DC = SkuId("tv"), WarehouseId("wh")
SMS = RiskDecision.authenticate(AuthFactor.SMS)


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


def cashier(
    app: MemoryApp, risk: MemoryTransactionRisk, policy: AuthenticationPolicy | None = None
) -> MessageBus:
    """The cashier commands (``register_cashier``) wired to ``risk`` and ``policy`` on the
    app's store, clock and channels, plus payment sync."""
    bus = MessageBus(app.unit_of_work, app.events)
    register_cashier(
        bus, clock=app.clock, ids=app.ids, gateways=app.gateways, inventory=app.inventory,
        risk=risk, health=app.channel_health, authentication=policy,
        queries=app.queries.payments,
    )  # fmt: skip
    bus.register(
        SyncPayment, partial(payment_services.sync_payment, gateways=app.gateways, clock=app.clock)
    )
    return bus


def make_app(policy: InventoryPolicy | None = None) -> MemoryApp:
    app = build_memory_app(inventory_policy=policy)
    app.handle(catalog.CreateSku(SKU, "TV", PLATFORM, "tv", cny("3000.00")))
    app.handle(inventory.OpenWarehouse(DC, "DC", "-", {"sh": 1}))
    app.handle(inventory.ReceiveStock(DC, SKU, 5, "po"))
    return app


@pytest.fixture
def app() -> MemoryApp:
    return make_app()


@pytest.fixture
def risk() -> MemoryTransactionRisk:
    return MemoryTransactionRisk(RiskRules.standard())


def place(app: MemoryApp, who: str = "amy") -> OrderId:
    cid = app.handle(customers.RegisterCustomer(CustomerId(who), who, "1"))
    app.handle(customers.AddAddress(cid, "home", Address(who, "1", "sh", "road"), default=True))
    app.handle(checkout.AddToCart(cid, SKU, 1))
    return app.handle(orders.PlaceOrder(cid)).parent_id


def held(app: MemoryApp) -> int:
    item = app.get(StockItem, stock_key(DC, SKU))
    return sum(hold.quantity for hold in item.holds.values())


def names(app: MemoryApp, since: int) -> list[str]:
    return [event.name for event in app.events.events[since:]]


# -- the risk decision ----------------------------------------------------------------------


def test_a_denied_payment_raises_and_leaves_no_trace(
    app: MemoryApp, risk: MemoryTransactionRisk
) -> None:
    bus = cashier(app, risk)
    parent = place(app)
    risk.deny_customer("amy", "stolen card reported")
    before = len(app.events.events)
    with pytest.raises(PaymentDenied, match="stolen card reported") as caught:
        bus.handle(PayOrder(parent, "alipay"))
    assert caught.value.reason == "stolen card reported"
    assert len(app.events.events) == before
    assert app.get(orders.ParentOrder, parent).payment_attempt is None
    assert held(app) == 0
    assert app.gateways["alipay"].take_notifications() == []
    with app.unit_of_work() as uow:
        assert list(uow.repo(payments.Payment).ids()) == []


def test_the_documented_rules_of_the_in_memory_risk_control() -> None:
    risk = MemoryTransactionRisk(RiskRules.standard())

    def decide(amount: str, channel: str, method: str = "balance") -> RiskDecision:
        return risk.assess(
            customer_id="c", parent_id="p", amount=cny(amount), channel=channel, method=method
        )

    assert decide("60000", "alipay").verdict is RiskVerdict.DENY
    assert decide("12000", "bank_card").factor is AuthFactor.FACE
    assert decide("12000", "alipay", "bank_card").factor is AuthFactor.FACE
    assert decide("12000", "alipay").factor is AuthFactor.SMS
    assert decide("3000", "bank_card").factor is AuthFactor.SMS
    assert decide("100", "bank_card").factor is AuthFactor.PASSWORD
    assert decide("100", "wechat_pay").verdict is RiskVerdict.ALLOW
    usd = risk.assess(
        customer_id="c", parent_id="p", amount=Money.of("90000", "USD"), channel="x", method="y"
    )
    assert usd.verdict is RiskVerdict.ALLOW  # thresholds in another currency do not apply
    assert (
        MemoryTransactionRisk().assess(
            customer_id="c",
            parent_id="p",
            amount=cny("1e6"),
            channel="bank_card",
            method="bank_card",
        )
        == RiskDecision.allow()
    )


def test_an_allowed_payment_is_charged_as_before(app: MemoryApp) -> None:
    bus = cashier(app, MemoryTransactionRisk())
    outcome = bus.handle(PayOrder(place(app), "alipay"))
    assert outcome.status is PaymentStatus.SUCCEEDED
    assert app.get(payments.Payment, outcome.payment_id).authentication is None


# -- awaiting authentication ------------------------------------------------------------------


def test_a_payment_awaiting_authentication_holds_no_stock_and_asks_no_channel(
    app: MemoryApp, risk: MemoryTransactionRisk
) -> None:
    bus = cashier(app, risk)
    parent = place(app)
    outcome = bus.handle(PayOrder(parent, "bank_card", method="bank_card"))
    assert outcome.status is PaymentStatus.AWAITING_AUTHENTICATION
    assert outcome.reason == "sms authentication required"
    payment = app.get(payments.Payment, outcome.payment_id)
    assert payment.authentication is not None
    assert payment.authentication.factor is AuthFactor.SMS
    assert payment.authentication.expires_at == app.clock.now() + timedelta(minutes=5)
    assert held(app) == 0
    with pytest.raises(UnknownPayment):
        app.gateways["bank_card"].query(payment_id=outcome.payment_id)
    assert app.get(orders.ParentOrder, parent).payment_attempt == outcome.payment_id
    with pytest.raises(orders.PaymentInFlight):
        bus.handle(PayOrder(parent, "alipay"))
    assert bus.handle(SyncPayment(outcome.payment_id)).status is (
        PaymentStatus.AWAITING_AUTHENTICATION
    )


def test_a_verified_proof_charges_exactly_like_pay_order(
    app: MemoryApp, risk: MemoryTransactionRisk
) -> None:
    bus = cashier(app, risk)
    parent = place(app)
    attempt = bus.handle(PayOrder(parent, "bank_card", method="bank_card"))
    risk.set_proof(attempt.payment_id, "482913")
    since = len(app.events.events)
    outcome = bus.handle(AuthenticateTransaction(attempt.payment_id, AuthFactor.SMS, "482913"))
    assert outcome.status is PaymentStatus.SUCCEEDED
    assert app.get(orders.ParentOrder, parent).status is orders.ParentStatus.PAID
    assert held(app) == 1  # locked at the charge, then kept for the paid order
    assert app.gateways["bank_card"].query(payment_id=attempt.payment_id).captured == cny("3000")
    steps = names(app, since)
    assert steps[0] == "TransactionAuthenticated"
    assert steps.index("StockLocked") < steps.index("PaymentSucceeded")
    with pytest.raises(IllegalTransition):
        bus.handle(AuthenticateTransaction(attempt.payment_id, AuthFactor.SMS, "482913"))


def test_a_channel_timeout_after_the_proof_is_synced_like_any_other(
    app: MemoryApp, risk: MemoryTransactionRisk
) -> None:
    bus = cashier(app, risk)
    attempt = bus.handle(PayOrder(place(app), "bank_card", method="bank_card"))
    app.gateways["bank_card"].timeout_next(applied=False)
    outcome = bus.handle(AuthenticateTransaction(attempt.payment_id, AuthFactor.SMS, "000000"))
    assert outcome.status is PaymentStatus.INITIATED
    assert held(app) == 1
    assert bus.handle(SyncPayment(attempt.payment_id)).status is PaymentStatus.SUCCEEDED


def test_wrong_proofs_are_counted_and_the_third_locks_the_payment(
    app: MemoryApp, risk: MemoryTransactionRisk
) -> None:
    bus = cashier(app, risk)
    parent = place(app)
    attempt = bus.handle(PayOrder(parent, "bank_card", method="bank_card"))
    pid = attempt.payment_id
    for left in (2, 1):
        with pytest.raises(WrongProof) as caught:
            bus.handle(AuthenticateTransaction(pid, AuthFactor.SMS, "111111"))
        assert type(caught.value) is WrongProof
        assert caught.value.attempts_left == left
    since = len(app.events.events)
    with pytest.raises(AuthenticationLocked) as locked:
        bus.handle(AuthenticateTransaction(pid, AuthFactor.SMS, "111111"))
    assert locked.value.attempts_left == 0
    assert names(app, since) == [
        "AuthenticationProofRejected",
        "AuthenticationLockedOut",
        "PaymentFailed",
        "OrderPaymentFailed",
    ]
    payment = app.get(payments.Payment, pid)
    assert payment.status is PaymentStatus.FAILED
    assert payment.failure == "authentication locked after 3 wrong proofs"
    with pytest.raises(AuthenticationLocked):  # even the right proof, now
        bus.handle(AuthenticateTransaction(pid, AuthFactor.SMS, "000000"))
    assert app.get(payments.Payment, pid).authentication == payment.authentication
    with pytest.raises(UnknownPayment):
        app.gateways["bank_card"].query(payment_id=pid)
    assert app.get(orders.ParentOrder, parent).payment_attempt is None
    # the order may be paid again, through another attempt
    risk.decide_next(RiskDecision.allow())
    assert bus.handle(PayOrder(parent, "alipay")).status is PaymentStatus.SUCCEEDED


def test_a_proof_of_another_factor_is_refused_and_not_counted(
    app: MemoryApp, risk: MemoryTransactionRisk
) -> None:
    bus = cashier(app, risk)
    attempt = bus.handle(PayOrder(place(app), "bank_card", method="bank_card"))
    with pytest.raises(WrongAuthenticationFactor, match="asks for sms, got face"):
        bus.handle(AuthenticateTransaction(attempt.payment_id, AuthFactor.FACE, "face:match"))
    auth = app.get(payments.Payment, attempt.payment_id).authentication
    assert auth is not None
    assert auth.failures == 0


def test_a_payment_that_needs_no_proof_takes_none(app: MemoryApp) -> None:
    bus = cashier(app, MemoryTransactionRisk())
    outcome = bus.handle(PayOrder(place(app), "alipay"))
    with pytest.raises(NoAuthenticationPending):
        bus.handle(AuthenticateTransaction(outcome.payment_id, AuthFactor.SMS, "000000"))


# -- walking away -------------------------------------------------------------------------------


def test_a_proof_after_the_window_expires_the_payment(
    app: MemoryApp, risk: MemoryTransactionRisk
) -> None:
    bus = cashier(app, risk)
    parent = place(app)
    attempt = bus.handle(PayOrder(parent, "bank_card", method="bank_card"))
    app.clock.advance(timedelta(minutes=5))
    with pytest.raises(AuthenticationExpired):
        bus.handle(AuthenticateTransaction(attempt.payment_id, AuthFactor.SMS, "000000"))
    payment = app.get(payments.Payment, attempt.payment_id)
    assert payment.status is PaymentStatus.FAILED
    assert payment.failure == "authentication expired"
    assert app.get(orders.ParentOrder, parent).payment_attempt is None
    with pytest.raises(AuthenticationExpired):
        bus.handle(AuthenticateTransaction(attempt.payment_id, AuthFactor.SMS, "000000"))


def test_an_abandoned_authentication_expires_so_the_unpaid_order_can_close(
    app: MemoryApp, risk: MemoryTransactionRisk
) -> None:
    bus = cashier(app, risk)
    parent = place(app)
    attempt = bus.handle(PayOrder(parent, "bank_card", method="bank_card"))
    app.clock.advance(timedelta(minutes=4))
    assert bus.handle(ExpirePaymentAuthentications()) == []
    app.clock.advance(timedelta(minutes=30))
    assert bus.handle(ExpirePaymentAuthentications()) == [attempt.payment_id]
    assert bus.handle(ExpirePaymentAuthentications()) == []
    assert app.handle(orders.CloseUnpaidOrders()) == [parent]
    assert app.get(orders.ParentOrder, parent).status is orders.ParentStatus.CANCELLED
    assert held(app) == 0
    names_ = [e.name for e in app.events.events]
    assert names_.count("AuthenticationLapsed") == 1


def test_the_expiry_timer_reads_only_the_payments_awaiting_a_proof(app: MemoryApp) -> None:
    risk = MemoryTransactionRisk()  # allows every payment unless told
    bus = cashier(app, risk)
    for who in ("ann", "bo", "cy"):  # paid at once
        bus.handle(PayOrder(place(app, who), "alipay"))
    risk.decide_next(SMS)
    attempt = bus.handle(PayOrder(place(app), "alipay"))
    app.clock.advance(timedelta(minutes=30))
    with CountingUnitOfWork(app.unit_of_work()) as uow:
        expired = payment_services.expire_payment_authentications(
            ExpirePaymentAuthentications(), uow, clock=app.clock, queries=app.queries.payments
        )
    assert expired == [attempt.payment_id]
    assert uow.of(payments.Payment) == {attempt.payment_id}
    assert not uow.scans


def test_sync_fails_a_lapsed_authentication(app: MemoryApp, risk: MemoryTransactionRisk) -> None:
    bus = cashier(app, risk)
    attempt = bus.handle(PayOrder(place(app), "bank_card", method="bank_card"))
    app.clock.advance(timedelta(minutes=6))
    synced = bus.handle(SyncPayment(attempt.payment_id))
    assert (synced.status, synced.reason) == (PaymentStatus.FAILED, "authentication expired")
    auth = app.get(payments.Payment, attempt.payment_id).authentication
    assert auth is not None
    assert auth.status is AuthenticationStatus.EXPIRED


def test_a_reservation_taken_at_placement_is_kept_then_locked_at_the_proof() -> None:
    app = make_app(InventoryPolicy(lock_at=LockPolicy.AT_PLACEMENT))
    risk = MemoryTransactionRisk(RiskRules.standard())
    bus = cashier(app, risk)
    parent = place(app)
    assert held(app) == 1
    attempt = bus.handle(PayOrder(parent, "bank_card", method="bank_card"))
    assert held(app) == 1
    outcome = bus.handle(AuthenticateTransaction(attempt.payment_id, AuthFactor.SMS, "000000"))
    assert outcome.status is PaymentStatus.SUCCEEDED
    item = app.get(StockItem, stock_key(DC, SKU))
    order_id = app.get(orders.ParentOrder, parent).order_ids[0]
    assert item.holds[order_id].expires_at is None  # a firm lock now


def test_bank_card_face_authentication_for_large_amounts() -> None:
    app = make_app()
    app.handle(catalog.ChangePrice(SKU, cny("12000.00")))
    risk = MemoryTransactionRisk(RiskRules.standard())
    bus = cashier(app, risk, AuthenticationPolicy(window=timedelta(minutes=2), max_attempts=1))
    attempt = bus.handle(PayOrder(place(app), "bank_card", method="bank_card"))
    assert attempt.reason == "face authentication required"
    with pytest.raises(AuthenticationLocked):
        bus.handle(AuthenticateTransaction(attempt.payment_id, AuthFactor.FACE, "someone else"))
    assert app.get(payments.Payment, PaymentId(attempt.payment_id)).status is PaymentStatus.FAILED
