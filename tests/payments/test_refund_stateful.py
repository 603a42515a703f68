"""Refunds under a hostile channel: declines, timeouts (applied or lost) and duplicate
notifications injected at every call, and people resolving refunds by hand. Every refund
accepted finishes or is escalated after the configured tries, refunded never exceeds
captured, no case stays refunding unless its refund was escalated (and none once a person
resolves the escalated ones), and any command that raises leaves every aggregate version
as it was (the multi-commit steps around a channel call never raise here: a refused or
timed-out refund is recorded, not raised)."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from merx import aftersales, payments, settlement
from merx.aftersales import AfterSaleStatus
from merx.app import MemoryApp
from merx.errors import MerxError
from merx.kernel.ids import AfterSaleId, PaymentId
from merx.payments import RefundStatus
from tests.payments.test_refunds_finish import SHIRT, cny, delivered, make_app

MAX_TRIES = payments.RefundPolicy().max_attempts


def versions(app: MemoryApp) -> dict[tuple[str, str], int]:
    return {
        (kind.__name__, key): version
        for kind, table in app.store.tables.items()
        for key, (version, _) in table.items()
    }


class Refunds(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.app = make_app()
        self.cases: list[AfterSaleId] = []
        self.orders: list[tuple[str, str]] = []
        self.customers = 0

    def _do(self, command: object) -> None:
        before = versions(self.app)
        try:
            self.app.handle(command)  # type: ignore[arg-type]
        except MerxError:
            assert versions(self.app) == before, f"{command} raised after committing"

    @rule()
    def buy(self) -> None:
        if self.customers < 4:
            self.customers += 1
            self.app.gateways["alipay"].clear_script()  # the scripts aim at refunds
            self.orders.append(delivered(self.app, 2, who=f"c{self.customers}"))

    @rule(kind=st.sampled_from(["decline", "lost", "applied"]), n=st.integers(1, 3))
    def hostile_channel(self, kind: str, n: int) -> None:
        gateway = self.app.gateways["alipay"]
        if kind == "decline":
            gateway.decline_next(n)
        else:
            gateway.timeout_next(n, applied=kind == "applied")

    @rule(data=st.data(), units=st.integers(1, 2))
    def ask_refund(self, data: st.DataObject, units: int) -> None:
        if self.orders:
            order_id, _ = data.draw(st.sampled_from(self.orders))
            before = versions(self.app)
            try:
                case = self.app.handle(
                    aftersales.RequestRefundOnly(order_id, ((SHIRT, units),), "faded")  # type: ignore[arg-type]
                )
            except MerxError:
                assert versions(self.app) == before
                return
            self.cases.append(case)
            self._do(aftersales.ApproveAfterSale(case))

    @rule(data=st.data(), cents=st.integers(1, 25_000))
    def grant(self, data: st.DataObject, cents: int) -> None:
        if self.orders:
            order_id, _ = data.draw(st.sampled_from(self.orders))
            amount = cny(f"{cents / 100:.2f}")
            self._do(aftersales.GrantRefund(order_id, f"g{cents}", amount, "sorry"))  # type: ignore[arg-type]

    @rule(duplicate=st.booleans())
    def deliver_notifications(self, duplicate: bool) -> None:
        gateway = self.app.gateways["alipay"]
        notes = gateway.take_notifications()
        for note in notes + (notes[-1:] if duplicate else []):
            self._do(payments.HandlePaymentNotification(note))

    @rule(hours=st.integers(0, 48))
    def retry(self, hours: int) -> None:
        self.app.clock.advance(timedelta(hours=hours))
        self._do(payments.RetryRefunds())

    @rule(
        data=st.data(),
        resolution=st.sampled_from(list(payments.RefundResolution)),
        reference=st.sampled_from(["t1", "t2"]),
    )
    def resolve_by_hand(
        self, data: st.DataObject, resolution: payments.RefundResolution, reference: str
    ) -> None:
        """A person resolves a refund (escalated or not: a refused call changes nothing)."""
        if self.orders:
            _, payment_id = data.draw(st.sampled_from(self.orders))
            refunds = sorted(self.app.get(payments.Payment, payment_id).refunds)
            if refunds:
                refund_id = data.draw(st.sampled_from(refunds))
                resolve = payments.ResolveEscalatedRefund
                self._do(resolve(payment_id, refund_id, resolution, reference))  # type: ignore[arg-type]

    @invariant()
    def refunded_never_exceeds_captured(self) -> None:
        for _, payment_id in self.orders:
            payment = self.app.get(payments.Payment, payment_id)
            assert payment.refunded <= payment.captured
            assert payment.refunded + payment.refund_pending <= payment.captured

    def teardown(self) -> None:
        """The channel heals; the host runs the retries until nothing is due."""
        self.app.gateways["alipay"].clear_script()
        for _ in range(MAX_TRIES + 2):
            self.app.clock.advance(timedelta(days=2))
            self.app.handle(payments.RetryRefunds())
        for _, payment_id in self.orders:
            payment = self.app.get(payments.Payment, payment_id)
            for refund in payment.refunds.values():
                status = payment.refund_status(refund.refund_id)
                assert status is not RefundStatus.PENDING, refund
                if status is RefundStatus.ESCALATED:
                    assert refund.tries_in_budget >= MAX_TRIES
        for case_id in self.cases:
            case = self.app.get(aftersales.AfterSale, case_id)
            if case.status is AfterSaleStatus.REFUNDING:
                assert case.refund_id is not None
                payment_id = next(p for o, p in self.orders if o == case.order_id)
                payment = self.app.get(payments.Payment, payment_id)
                assert payment.refund_status(case.refund_id) is RefundStatus.ESCALATED
        with self.app.unit_of_work() as uow:
            assert settlement.reconciliation_report(uow, "CNY", journals=self.app.journals).ok
        # a person refunds every escalated refund offline: then no case stays refunding
        for _, payment_id in self.orders:
            payment = self.app.get(payments.Payment, payment_id)
            for refund in payment.refunds_in(RefundStatus.ESCALATED):
                offline = payments.RefundResolution.REFUNDED_OFFLINE
                resolve = payments.ResolveEscalatedRefund(
                    PaymentId(payment_id), refund.refund_id, offline, "x"
                )
                assert self.app.handle(resolve) is RefundStatus.SUCCEEDED
            payment = self.app.get(payments.Payment, payment_id)
            assert payment.refunded <= payment.captured
        for case_id in self.cases:
            case = self.app.get(aftersales.AfterSale, case_id)
            assert case.status is not AfterSaleStatus.REFUNDING, case


Refunds.TestCase.settings = settings(max_examples=25, stateful_step_count=25, deadline=None)
TestRefunds = Refunds.TestCase
