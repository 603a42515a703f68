"""A stateful test of transaction authentication against a reference count of proofs.

Customers pay orders that risk control sends to authentication; they give right and wrong
proofs, walk away, and the clock moves; the host expires lapsed authentications, syncs and
closes unpaid orders. Whatever happens: the channel is never asked to charge a payment
without a verified proof; wrong proofs are counted exactly, and the third locks the
payment; a payment that failed authentication never holds its parent order.
"""

from __future__ import annotations

import contextlib
from datetime import timedelta
from functools import partial

from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule

from merx import catalog, checkout, customers, inventory, orders, payments
from merx.adapters.memory.risk import MemoryTransactionRisk
from merx.app import build_memory_app
from merx.customers import Address
from merx.errors import MerxError
from merx.kernel.bus import MessageBus
from merx.kernel.ids import PLATFORM, CustomerId, OrderId, PaymentId, SkuId, WarehouseId
from merx.kernel.money import Money
from merx.payments import (
    AuthenticateTransaction,
    AuthenticationLocked,
    AuthFactor,
    ExpirePaymentAuthentications,
    PaymentStatus,
    PayOrder,
    SyncPayment,
    UnknownPayment,
    WrongProof,
)
from merx.payments import services as payment_services
from merx.payments.model import AuthenticationStatus
from merx.payments.ports import RiskDecision

SKU, DC = SkuId("watch"), WarehouseId("wh")
CHANNEL = "bank_card"
RIGHT, WRONG = "000000", "999999"
DECISIONS = (RiskDecision.allow(), *[RiskDecision.authenticate(AuthFactor.SMS)] * 3)


class Authentications(RuleBasedStateMachine):
    parents = Bundle("parents")
    attempts = Bundle("attempts")

    def __init__(self) -> None:
        super().__init__()
        self.app = build_memory_app()
        self.risk = MemoryTransactionRisk()
        self.bus = MessageBus(self.app.unit_of_work, self.app.events)
        app = self.app
        self.bus.register(
            PayOrder,
            partial(
                payment_services.pay_order, gateways=app.gateways, clock=app.clock, ids=app.ids,
                inventory=app.inventory, risk=self.risk,
            ),
        )  # fmt: skip
        self.bus.register(
            AuthenticateTransaction,
            partial(
                payment_services.authenticate_transaction, gateways=app.gateways, clock=app.clock,
                inventory=app.inventory, risk=self.risk,
            ),
        )  # fmt: skip
        self.bus.register(
            ExpirePaymentAuthentications,
            partial(
                payment_services.expire_payment_authentications,
                clock=app.clock,
                queries=app.queries.payments,
            ),
        )
        self.bus.register(
            SyncPayment,
            partial(payment_services.sync_payment, gateways=app.gateways, clock=app.clock),
        )
        app.handle(catalog.CreateSku(SKU, "Watch", PLATFORM, "watch", Money.of("10", "CNY")))
        app.handle(inventory.OpenWarehouse(DC, "DC", "-", {"sh": 1}))
        app.handle(inventory.ReceiveStock(DC, SKU, 1000, "po"))
        self.customers = 0
        self.wrong: dict[str, int] = {}  # the reference: wrong proofs counted per payment
        self.proved: set[str] = set()  # payments given a right proof in time

    @rule(target=parents)
    def place(self) -> OrderId:
        self.customers += 1
        cid = CustomerId(f"c{self.customers}")
        self.app.handle(customers.RegisterCustomer(cid, "C", "1"))
        self.app.handle(customers.AddAddress(cid, "home", Address("C", "1", "sh", "r"), True))
        self.app.handle(checkout.AddToCart(cid, SKU, 1))
        return self.app.handle(orders.PlaceOrder(cid)).parent_id

    @rule(target=attempts, parent=parents, decision=st.sampled_from(DECISIONS))
    def pay(self, parent: OrderId, decision: RiskDecision) -> PaymentId:
        self.risk.decide_next(decision)
        try:
            outcome = self.bus.handle(PayOrder(parent, CHANNEL))
        except MerxError:  # paid, cancelled or in flight (the scripted decision was used)
            return PaymentId("none")
        self.wrong[outcome.payment_id] = 0
        return outcome.payment_id

    @rule(attempt=attempts, proofs=st.lists(st.booleans(), min_size=1, max_size=4))
    def prove(self, attempt: PaymentId, proofs: list[bool]) -> None:
        """The payer gives proofs in a row (``True``: the right one)."""
        if attempt == "none":
            return
        for right in proofs:
            self._prove(attempt, right)

    def _prove(self, attempt: PaymentId, right: bool) -> None:
        before = self._payment(attempt)
        auth = before.authentication
        in_time = auth is not None and auth.status is AuthenticationStatus.REQUIRED
        in_time = in_time and auth is not None and self.app.clock.now() < auth.expires_at
        error: MerxError | None = None
        try:
            self.bus.handle(
                AuthenticateTransaction(attempt, AuthFactor.SMS, RIGHT if right else WRONG)
            )
        except MerxError as caught:
            error = caught
        if error is not None and in_time:  # a wrong proof in time: counted
            assert isinstance(error, WrongProof)
            assert not right
            self.wrong[attempt] += 1
            assert error.attempts_left == 3 - self.wrong[attempt]
            return
        if error is not None:  # locked, expired or verified before: nothing counted
            assert isinstance(error, AuthenticationLocked) or not isinstance(error, WrongProof)
            return
        assert in_time
        assert right
        self.proved.add(attempt)

    @rule(minutes=st.integers(1, 3))
    def time_passes(self, minutes: int) -> None:
        self.app.clock.advance(timedelta(minutes=minutes))

    @rule()
    def expire(self) -> None:
        self.bus.handle(ExpirePaymentAuthentications())

    @rule(attempt=attempts)
    def sync(self, attempt: PaymentId) -> None:
        if attempt != "none":
            self.bus.handle(SyncPayment(attempt))

    @rule(parent=parents)
    def close_unpaid(self, parent: OrderId) -> None:
        with contextlib.suppress(MerxError):
            self.app.handle(orders.CloseUnpaidOrders())

    # -- laws --------------------------------------------------------------------------------

    def _payment(self, payment_id: str) -> payments.Payment:
        return self.app.get(payments.Payment, payment_id)

    def _payments(self) -> list[payments.Payment]:
        with self.app.unit_of_work() as uow:
            repo = uow.repo(payments.Payment)
            return [repo.get(key) for key in repo.ids()]

    @invariant()
    def the_channel_never_sees_a_payment_without_a_verified_proof(self) -> None:
        gateway = self.app.gateways[CHANNEL]
        for payment in self._payments():
            auth = payment.authentication
            if auth is None:
                continue
            if auth.status is AuthenticationStatus.VERIFIED:
                assert payment.id in self.proved
                continue
            assert payment.id not in self.proved
            try:
                gateway.query(payment_id=payment.id)
            except UnknownPayment:
                continue
            raise AssertionError(f"{payment.id} reached the channel unverified")

    @invariant()
    def wrong_proofs_are_counted_and_the_third_locks(self) -> None:
        for payment in self._payments():
            auth = payment.authentication
            if auth is None:
                continue
            assert auth.failures == self.wrong[payment.id]
            assert (auth.status is AuthenticationStatus.LOCKED) == (auth.failures == 3)

    @invariant()
    def a_failed_authentication_never_holds_the_order(self) -> None:
        for payment in self._payments():
            parent = self.app.get(orders.ParentOrder, payment.order_id)
            if payment.status is PaymentStatus.FAILED:
                assert parent.payment_attempt != payment.id
            if payment.status is PaymentStatus.AWAITING_AUTHENTICATION:
                assert parent.payment_attempt == payment.id

    def teardown(self) -> None:
        """Once every window has closed and the host ran its jobs, nothing waits."""
        self.app.clock.advance(timedelta(hours=1))
        self.bus.handle(ExpirePaymentAuthentications())
        self.app.handle(orders.CloseUnpaidOrders())
        for payment in self._payments():
            assert payment.status is not PaymentStatus.AWAITING_AUTHENTICATION
            parent = self.app.get(orders.ParentOrder, payment.order_id)
            assert parent.status is not orders.ParentStatus.PENDING_PAYMENT or (
                parent.payment_attempt is not None
            )


TestAuthentications = Authentications.TestCase
