"""The contract of the ``PaymentGateway`` port (:mod:`merx.payments.ports`).

Run it against an adapter by subclassing :class:`PaymentGatewayContract` and providing the
fixture ``make_gateway``: a :class:`GatewayFactory` that takes a channel name and answers a
fresh adapter of that channel with the test hooks of :class:`ScriptableGateway` (a
sandbox adapter implements them over its channel's failure simulator)::

    class TestAlipaySandbox(PaymentGatewayContract):
        @pytest.fixture
        def make_gateway(self) -> GatewayFactory:
            return lambda channel: AlipaySandboxGateway(channel, sandbox_credentials())

The suite talks to the port and injects failures through the hooks. Laws: the same key
and payload acts once and answers the same result; a refused call changes nothing; the
channel's refunded <= captured <= authorized under any sequence of calls, timeouts,
declines and pending operations; after every call is retried with its key, the channel's
totals are exactly the sums of the succeeded operations and each final outcome was
notified exactly once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from merx.kernel.errors import (
    AlreadyExists,
    BusinessRuleViolation,
    CurrencyMismatch,
    IdempotencyConflict,
    IllegalTransition,
    InvalidAmount,
    NotFound,
)
from merx.kernel.money import Money
from merx.payments import (
    CaptureExceedsAuthorization,
    DuplicateRefund,
    GatewayTimeout,
    PaymentAlreadyAuthorized,
    PaymentNotAuthorized,
    RefundExceedsCapture,
    UnknownPayment,
)
from merx.payments.ports import (
    GatewayOperation,
    GatewayResult,
    GatewayStatus,
    NotificationKind,
    PaymentGateway,
    PaymentNotification,
)


class ScriptableGateway(PaymentGateway, Protocol):
    """The port plus the test hooks the contract needs to inject the channel's behaviour."""

    def decline_next(self, n: int = 1, *, reason: str = ...) -> None: ...

    def timeout_next(self, n: int = 1, *, applied: bool) -> None: ...

    def pending_next(self, n: int = 1) -> None: ...

    def settle(
        self, reference: str, *, succeeded: bool = True, reason: str | None = None
    ) -> GatewayResult: ...

    def take_notifications(self) -> list[PaymentNotification]: ...

    def duplicate_last(self) -> PaymentNotification: ...


#: What the host's ``make_gateway`` fixture answers: a fresh adapter for a channel name.
GatewayFactory = Callable[[str], ScriptableGateway]


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


def authorized(gateway: PaymentGateway, amount: str = "100.00", pid: str = "pay-1") -> None:
    result = gateway.authorize(
        payment_id=pid, amount=cny(amount), method="balance", idempotency_key=f"auth-{pid}"
    )
    assert result.succeeded


def captured(gateway: PaymentGateway, amount: str = "100.00", pid: str = "pay-1") -> None:
    authorized(gateway, amount, pid)
    result = gateway.capture(payment_id=pid, amount=cny(amount), idempotency_key=f"cap-{pid}")
    assert result.succeeded


def totals(result: GatewayResult) -> tuple[Money, Money, Money]:
    return result.authorized, result.captured, result.refunded


# -- the law -------------------------------------------------------------------------------


@attrs.frozen
class Call:
    key: str
    operation: GatewayOperation
    amount: Money
    refund_id: str | None = None


def invoke(gateway: PaymentGateway, call: Call, payment_id: str) -> GatewayResult:
    if call.operation is GatewayOperation.AUTHORIZE:
        return gateway.authorize(
            payment_id=payment_id, amount=call.amount, method="card", idempotency_key=call.key
        )
    if call.operation is GatewayOperation.CAPTURE:
        return gateway.capture(payment_id=payment_id, amount=call.amount, idempotency_key=call.key)
    assert call.refund_id is not None
    return gateway.refund(
        payment_id=payment_id,
        refund_id=call.refund_id,
        amount=call.amount,
        idempotency_key=call.key,
    )


def standing(gateway: PaymentGateway, payment_id: str) -> GatewayResult | None:
    try:
        return gateway.query(payment_id=payment_id)
    except UnknownPayment:
        return None


SCRIPTS = ("none", "none", "decline", "pending", "timeout_applied", "timeout_lost")
Step = tuple[str, int, str]  # what to do, an amount in minor units (or an index), a script
STEPS = st.lists(
    st.tuples(
        st.sampled_from(
            ("authorize", "capture", "capture", "refund", "refund", "replay", "settle")
        ),
        st.integers(1, 3000),
        st.sampled_from(SCRIPTS),
    ),
    max_size=30,
)


@attrs.define
class Exercise:
    """Drives one payment through a random run and checks the laws after every step."""

    gateway: ScriptableGateway
    pid: str = "pay-law"
    calls: list[Call] = attrs.Factory(list)
    known: dict[str, GatewayResult] = attrs.Factory(dict)  # key -> the latest answer seen
    delivered: list[PaymentNotification] = attrs.Factory(list)

    def step(self, index: int, step: Step) -> None:
        kind, number, scripted = step
        if kind == "replay":
            if self.calls:
                self.attempt(self.calls[number % len(self.calls)])
        elif kind == "settle":
            pending = self.pending()
            if pending:
                self.settle(pending[number % len(pending)], succeeded=scripted != "decline")
        else:
            operation = GatewayOperation(kind)
            refund_id = f"refund-{index}" if operation is GatewayOperation.REFUND else None
            # sizes that let a run reach every limit: 1 authorization, 2-3 captures, 2-6 refunds
            units = {"authorize": 1000 + number, "capture": 1 + number % 600}.get(kind)
            amount = Money.from_minor(units or 1 + number % 300, "CNY")
            call = Call(f"key-{index}", operation, amount, refund_id)
            self.calls.append(call)
            self.script(scripted)
            self.attempt(call)

    def script(self, name: str) -> None:
        if name == "decline":
            self.gateway.decline_next(reason="scripted")
        elif name == "pending":
            self.gateway.pending_next()
        elif name.startswith("timeout"):
            self.gateway.timeout_next(applied=name == "timeout_applied")

    def attempt(self, call: Call) -> str:
        """Make ``call``; answer "timeout", "refused" or "answered"."""
        before = standing(self.gateway, self.pid)
        outcome = "answered"
        try:
            result = invoke(self.gateway, call, self.pid)
        except GatewayTimeout:
            assert call.key not in self.known
            outcome = "timeout"
        except (BusinessRuleViolation, AlreadyExists, NotFound):
            assert call.key not in self.known
            assert standing(self.gateway, self.pid) == before
            outcome = "refused"
        else:
            if call.key in self.known:  # a replay: the same answer, nothing moves
                assert result == self.known[call.key]
                assert standing(self.gateway, self.pid) == before
                assert self.gateway.take_notifications() == []
            self.known[call.key] = result
        self.check()
        return outcome

    def pending(self) -> list[str]:
        return [k for k, r in self.known.items() if r.status is GatewayStatus.PENDING]

    def settle(self, key: str, *, succeeded: bool) -> None:
        self.known[key] = self.gateway.settle(self.known[key].reference, succeeded=succeeded)
        self.check()

    def check(self) -> None:
        self.delivered.extend(self.gateway.take_notifications())
        now = standing(self.gateway, self.pid)
        if now is not None:
            assert cny("0") <= now.refunded <= now.captured <= now.authorized

    def retry_everything(self) -> None:
        """Retry every call until the channel answered each (leftover scripts run out),
        settling whatever is pending."""
        for _ in range(len(self.calls) + 2):
            timeouts = [call for call in self.calls if self.attempt(call) == "timeout"]
            pending = self.pending()
            for key in pending:
                self.settle(key, succeeded=True)
            if not timeouts and not pending:
                return
        raise AssertionError("the channel never answered every call")

    def total(self, operation: GatewayOperation) -> Money:
        """The sum of the succeeded operations of one kind, as their answers say."""
        answers = [self.known.get(c.key) for c in self.calls if c.operation is operation]
        return Money.sum((r.amount for r in answers if r is not None and r.succeeded), "CNY")


class PaymentGatewayContract:
    """The contract of a payment gateway (see the module docstring). Subclass it under a
    name pytest collects and provide the fixture ``make_gateway`` (a
    :class:`GatewayFactory`)."""

    @pytest.fixture
    def gateway(self, make_gateway: GatewayFactory) -> ScriptableGateway:
        return make_gateway("wechat_pay")

    # -- happy paths ---------------------------------------------------------------------------

    def test_the_gateway_names_its_channel(self, gateway: ScriptableGateway) -> None:
        assert gateway.channel == "wechat_pay"

    def test_authorize_reserves_the_amount(self, gateway: ScriptableGateway) -> None:
        result = gateway.authorize(
            payment_id="pay-1", amount=cny("88.80"), method="balance", idempotency_key="k1"
        )

        assert result.status is GatewayStatus.SUCCEEDED
        assert result.payment_id == "pay-1"
        assert result.amount == cny("88.80")
        assert result.reference
        assert result.reason is None
        assert totals(result) == (cny("88.80"), cny("0"), cny("0"))
        standing = gateway.query(payment_id="pay-1")
        assert standing.status is GatewayStatus.SUCCEEDED
        assert standing.reference == result.reference
        assert totals(standing) == (cny("88.80"), cny("0"), cny("0"))

    def test_partial_captures_add_up_to_the_authorization(self, gateway: ScriptableGateway) -> None:
        authorized(gateway, "100.00")

        first = gateway.capture(payment_id="pay-1", amount=cny("30.00"), idempotency_key="c1")
        second = gateway.capture(payment_id="pay-1", amount=cny("70.00"), idempotency_key="c2")

        assert first.succeeded
        assert second.succeeded
        assert first.reference != second.reference
        assert first.captured == cny("30.00")
        assert second.captured == cny("100.00")
        assert gateway.query(payment_id="pay-1").captured == cny("100.00")

    def test_refunds_give_back_what_was_captured(self, gateway: ScriptableGateway) -> None:
        captured(gateway, "100.00")

        first = gateway.refund(
            payment_id="pay-1", refund_id="r1", amount=cny("40.00"), idempotency_key="r1"
        )
        second = gateway.refund(
            payment_id="pay-1", refund_id="r2", amount=cny("60.00"), idempotency_key="r2"
        )

        assert first.succeeded
        assert second.succeeded
        assert totals(gateway.query(payment_id="pay-1")) == (cny("100"), cny("100"), cny("100"))

    def test_every_final_outcome_is_notified_once(self, gateway: ScriptableGateway) -> None:
        captured(gateway, "50.00")
        refund = gateway.refund(
            payment_id="pay-1", refund_id="r1", amount=cny("5.00"), idempotency_key="r1"
        )

        notes = gateway.take_notifications()

        assert [n.kind for n in notes] == [
            NotificationKind.AUTHORIZED,
            NotificationKind.CAPTURED,
            NotificationKind.REFUNDED,
        ]
        assert len({n.event_id for n in notes}) == 3
        assert all(n.channel == "wechat_pay" and n.payment_id == "pay-1" for n in notes)
        assert notes[2].reference == refund.reference
        assert notes[2].refund_id == "r1"
        assert notes[2].amount == cny("5.00")
        assert gateway.take_notifications() == []

    def test_notifications_can_be_redelivered_and_reordered(
        self, gateway: ScriptableGateway
    ) -> None:
        captured(gateway)
        again = gateway.duplicate_last()
        notes = gateway.take_notifications()

        assert notes[-1] == notes[-2] == again
        assert notes[-1].event_id == notes[-2].event_id
        assert again.kind is NotificationKind.CAPTURED

    def test_the_channel_keeps_payments_apart(self, gateway: ScriptableGateway) -> None:
        captured(gateway, "10.00", pid="pay-a")
        authorized(gateway, "20.00", pid="pay-b")

        assert totals(gateway.query(payment_id="pay-a")) == (cny("10"), cny("10"), cny("0"))
        assert totals(gateway.query(payment_id="pay-b")) == (cny("20"), cny("0"), cny("0"))

    # -- idempotent replays --------------------------------------------------------------------

    def test_a_replayed_authorization_answers_the_same_and_acts_once(
        self,
        gateway: ScriptableGateway,
    ) -> None:
        first = gateway.authorize(
            payment_id="p", amount=cny("9.99"), method="card", idempotency_key="k"
        )
        again = gateway.authorize(
            payment_id="p", amount=cny("9.99"), method="card", idempotency_key="k"
        )

        assert again == first
        assert len(gateway.take_notifications()) == 1

    def test_a_replayed_capture_captures_once(self, gateway: ScriptableGateway) -> None:
        authorized(gateway, "100.00")
        first = gateway.capture(payment_id="pay-1", amount=cny("60.00"), idempotency_key="c")
        again = gateway.capture(payment_id="pay-1", amount=cny("60.00"), idempotency_key="c")

        assert again == first
        assert gateway.query(payment_id="pay-1").captured == cny("60.00")

    def test_a_replayed_refund_refunds_once(self, gateway: ScriptableGateway) -> None:
        captured(gateway, "100.00")
        first = gateway.refund(
            payment_id="pay-1", refund_id="r", amount=cny("60.00"), idempotency_key="r"
        )
        again = gateway.refund(
            payment_id="pay-1", refund_id="r", amount=cny("60.00"), idempotency_key="r"
        )

        assert again == first
        assert gateway.query(payment_id="pay-1").refunded == cny("60.00")

    def test_a_replay_is_answered_even_when_the_limits_are_now_reached(
        self,
        gateway: ScriptableGateway,
    ) -> None:
        authorized(gateway, "100.00")
        first = gateway.capture(payment_id="pay-1", amount=cny("100.00"), idempotency_key="c")

        assert (
            gateway.capture(payment_id="pay-1", amount=cny("100.00"), idempotency_key="c") == first
        )

    @pytest.mark.parametrize(
        "call",
        [
            pytest.param(
                lambda g: g.authorize(
                    payment_id="pay-1",
                    amount=cny("100.01"),
                    method="balance",
                    idempotency_key="auth-pay-1",
                ),
                id="authorize-other-amount",
            ),
            pytest.param(
                lambda g: g.authorize(
                    payment_id="pay-1",
                    amount=cny("100.00"),
                    method="card",
                    idempotency_key="auth-pay-1",
                ),
                id="authorize-other-method",
            ),
            pytest.param(
                lambda g: g.capture(
                    payment_id="pay-1", amount=cny("1.00"), idempotency_key="cap-pay-1"
                ),
                id="capture-other-amount",
            ),
            pytest.param(
                lambda g: g.capture(
                    payment_id="pay-1", amount=cny("1.00"), idempotency_key="auth-pay-1"
                ),
                id="capture-with-an-authorize-key",
            ),
            pytest.param(
                lambda g: g.refund(
                    payment_id="pay-1",
                    refund_id="r",
                    amount=cny("1.00"),
                    idempotency_key="cap-pay-1",
                ),
                id="refund-with-a-capture-key",
            ),
        ],
    )
    def test_a_key_reused_with_another_payload_is_a_conflict(
        self, gateway: ScriptableGateway, call: Callable[[PaymentGateway], GatewayResult]
    ) -> None:
        captured(gateway, "100.00")
        before = gateway.query(payment_id="pay-1")

        with pytest.raises(IdempotencyConflict):
            call(gateway)

        assert gateway.query(payment_id="pay-1") == before

    # -- invariants ----------------------------------------------------------------------------

    def test_no_capture_above_the_authorization(self, gateway: ScriptableGateway) -> None:
        authorized(gateway, "100.00")
        gateway.capture(payment_id="pay-1", amount=cny("70.00"), idempotency_key="c1")
        before = gateway.query(payment_id="pay-1")

        with pytest.raises(CaptureExceedsAuthorization, match=r"at most 30\.00 CNY"):
            gateway.capture(payment_id="pay-1", amount=cny("30.01"), idempotency_key="c2")

        assert gateway.query(payment_id="pay-1") == before
        assert gateway.capture(
            payment_id="pay-1", amount=cny("30.00"), idempotency_key="c2"
        ).succeeded

    def test_no_refund_above_the_captures(self, gateway: ScriptableGateway) -> None:
        authorized(gateway, "100.00")
        gateway.capture(payment_id="pay-1", amount=cny("50.00"), idempotency_key="c1")
        gateway.refund(
            payment_id="pay-1", refund_id="r1", amount=cny("20.00"), idempotency_key="r1"
        )
        before = gateway.query(payment_id="pay-1")

        with pytest.raises(RefundExceedsCapture, match=r"at most 30\.00 CNY"):
            gateway.refund(
                payment_id="pay-1", refund_id="r2", amount=cny("30.01"), idempotency_key="r2"
            )

        assert gateway.query(payment_id="pay-1") == before

    def test_nothing_to_refund_before_a_capture(self, gateway: ScriptableGateway) -> None:
        authorized(gateway)

        with pytest.raises(RefundExceedsCapture):
            gateway.refund(
                payment_id="pay-1", refund_id="r", amount=cny("0.01"), idempotency_key="r"
            )

    def test_a_payment_is_authorized_once(self, gateway: ScriptableGateway) -> None:
        authorized(gateway)

        with pytest.raises(PaymentAlreadyAuthorized):
            gateway.authorize(
                payment_id="pay-1", amount=cny("1.00"), method="balance", idempotency_key="k2"
            )

    def test_the_channel_refuses_operations_on_payments_it_does_not_know(
        self,
        gateway: ScriptableGateway,
    ) -> None:
        with pytest.raises(UnknownPayment):
            gateway.capture(payment_id="nope", amount=cny("1.00"), idempotency_key="c")
        with pytest.raises(UnknownPayment):
            gateway.refund(
                payment_id="nope", refund_id="r", amount=cny("1.00"), idempotency_key="r"
            )
        with pytest.raises(NotFound):
            gateway.query(payment_id="nope")

    def test_a_refund_id_is_used_once(self, gateway: ScriptableGateway) -> None:
        captured(gateway)
        gateway.refund(payment_id="pay-1", refund_id="r", amount=cny("1.00"), idempotency_key="k1")

        with pytest.raises(DuplicateRefund):
            gateway.refund(
                payment_id="pay-1", refund_id="r", amount=cny("1.00"), idempotency_key="k2"
            )

    @pytest.mark.parametrize("amount", [Money.of("0", "CNY"), Money.of("-1", "CNY")])
    def test_amounts_must_be_positive(self, gateway: ScriptableGateway, amount: Money) -> None:
        with pytest.raises(InvalidAmount):
            gateway.authorize(payment_id="p", amount=amount, method="balance", idempotency_key="k")
        captured(gateway)
        with pytest.raises(InvalidAmount):
            gateway.capture(payment_id="pay-1", amount=amount, idempotency_key="c")
        with pytest.raises(InvalidAmount):
            gateway.refund(payment_id="pay-1", refund_id="r", amount=amount, idempotency_key="r")

    def test_captures_and_refunds_keep_the_payment_currency(
        self, gateway: ScriptableGateway
    ) -> None:
        captured(gateway)

        with pytest.raises(CurrencyMismatch):
            gateway.capture(payment_id="pay-1", amount=Money.of("1", "USD"), idempotency_key="c")
        with pytest.raises(CurrencyMismatch):
            gateway.refund(
                payment_id="pay-1", refund_id="r", amount=Money.of("1", "USD"), idempotency_key="r"
            )

    # -- failure modes: declines ---------------------------------------------------------------

    def test_a_declined_authorization_authorizes_nothing(self, gateway: ScriptableGateway) -> None:
        gateway.decline_next(reason="insufficient balance")

        result = gateway.authorize(
            payment_id="p", amount=cny("10"), method="balance", idempotency_key="k"
        )

        assert result.status is GatewayStatus.FAILED
        assert result.reason == "insufficient balance"
        standing = gateway.query(payment_id="p")
        assert standing.status is GatewayStatus.FAILED
        assert standing.authorized == cny("0")
        [note] = gateway.take_notifications()
        assert note.kind is NotificationKind.FAILED
        assert note.operation is GatewayOperation.AUTHORIZE
        assert note.reason == "insufficient balance"
        with pytest.raises(PaymentNotAuthorized):
            gateway.capture(payment_id="p", amount=cny("10"), idempotency_key="c")

    def test_a_declined_outcome_is_replayed_and_a_new_attempt_needs_a_new_key(
        self,
        gateway: ScriptableGateway,
    ) -> None:
        gateway.decline_next()
        declined = gateway.authorize(
            payment_id="p", amount=cny("10"), method="card", idempotency_key="k1"
        )

        assert (
            gateway.authorize(payment_id="p", amount=cny("10"), method="card", idempotency_key="k1")
            == declined
        )
        retried = gateway.authorize(
            payment_id="p", amount=cny("10"), method="card", idempotency_key="k2"
        )
        assert retried.succeeded
        assert gateway.query(payment_id="p").authorized == cny("10")

    def test_declined_captures_and_refunds_move_nothing(self, gateway: ScriptableGateway) -> None:
        captured(gateway, "100.00")
        gateway.decline_next(2)

        refund = gateway.refund(
            payment_id="pay-1", refund_id="r", amount=cny("10"), idempotency_key="r1"
        )
        assert refund.status is GatewayStatus.FAILED
        assert gateway.query(payment_id="pay-1").refunded == cny("0")
        # a failed refund may be asked again under the same refund id, with a new key
        again = gateway.refund(
            payment_id="pay-1", refund_id="r", amount=cny("10"), idempotency_key="r2"
        )
        assert again.status is GatewayStatus.FAILED
        assert gateway.refund(
            payment_id="pay-1", refund_id="r", amount=cny("10"), idempotency_key="r3"
        ).succeeded

    def test_scripted_outcomes_wait_for_a_call_that_reaches_the_channel(
        self,
        gateway: ScriptableGateway,
    ) -> None:
        authorized(gateway, "10.00")
        gateway.decline_next()

        with pytest.raises(CaptureExceedsAuthorization):
            gateway.capture(payment_id="pay-1", amount=cny("11"), idempotency_key="c1")
        authorized(gateway, "10.00")  # a replay
        result = gateway.capture(payment_id="pay-1", amount=cny("10"), idempotency_key="c2")

        assert result.status is GatewayStatus.FAILED

    # -- failure modes: timeouts ---------------------------------------------------------------

    def test_a_timeout_before_the_channel_does_nothing_and_the_retry_acts(
        self,
        gateway: ScriptableGateway,
    ) -> None:
        gateway.timeout_next(applied=False)

        with pytest.raises(GatewayTimeout):
            gateway.authorize(
                payment_id="p", amount=cny("10"), method="balance", idempotency_key="k"
            )

        with pytest.raises(UnknownPayment):
            gateway.query(payment_id="p")
        assert gateway.take_notifications() == []
        result = gateway.authorize(
            payment_id="p", amount=cny("10"), method="balance", idempotency_key="k"
        )
        assert result.succeeded
        assert gateway.query(payment_id="p").authorized == cny("10")

    def test_a_timeout_after_the_channel_acted_is_revealed_by_query_and_replay(
        self,
        gateway: ScriptableGateway,
    ) -> None:
        authorized(gateway, "100.00")
        gateway.timeout_next(applied=True)

        with pytest.raises(GatewayTimeout):
            gateway.capture(payment_id="pay-1", amount=cny("40"), idempotency_key="c")

        assert gateway.query(payment_id="pay-1").captured == cny("40")
        retried = gateway.capture(payment_id="pay-1", amount=cny("40"), idempotency_key="c")
        assert retried.succeeded
        assert retried.captured == cny("40")
        assert gateway.query(payment_id="pay-1").captured == cny("40")
        kinds = [n.kind for n in gateway.take_notifications()]
        assert kinds == [NotificationKind.AUTHORIZED, NotificationKind.CAPTURED]

    def test_a_timed_out_refund_is_not_refunded_twice(self, gateway: ScriptableGateway) -> None:
        captured(gateway, "100.00")
        gateway.timeout_next(applied=True)

        with pytest.raises(GatewayTimeout):
            gateway.refund(payment_id="pay-1", refund_id="r", amount=cny("30"), idempotency_key="r")
        retried = gateway.refund(
            payment_id="pay-1", refund_id="r", amount=cny("30"), idempotency_key="r"
        )

        assert retried.succeeded
        assert gateway.query(payment_id="pay-1").refunded == cny("30")
        refunds = [n for n in gateway.take_notifications() if n.kind is NotificationKind.REFUNDED]
        assert len(refunds) == 1

    # -- failure modes: pending ----------------------------------------------------------------

    def test_a_pending_capture_counts_against_the_authorization_until_it_settles(
        self,
        gateway: ScriptableGateway,
    ) -> None:
        authorized(gateway, "100.00")
        gateway.pending_next()
        pending = gateway.capture(payment_id="pay-1", amount=cny("80"), idempotency_key="c1")

        assert pending.status is GatewayStatus.PENDING
        assert gateway.query(payment_id="pay-1").captured == cny("0")
        with pytest.raises(CaptureExceedsAuthorization):
            gateway.capture(payment_id="pay-1", amount=cny("30"), idempotency_key="c2")
        gateway.take_notifications()

        settled = gateway.settle(pending.reference)

        assert settled.status is GatewayStatus.SUCCEEDED
        assert settled.captured == cny("80")
        assert (
            gateway.capture(payment_id="pay-1", amount=cny("80"), idempotency_key="c1") == settled
        )
        [note] = gateway.take_notifications()
        assert note.kind is NotificationKind.CAPTURED
        assert note.reference == pending.reference
        with pytest.raises(IllegalTransition):
            gateway.settle(pending.reference)

    def test_a_pending_refund_that_fails_gives_its_room_back(
        self, gateway: ScriptableGateway
    ) -> None:
        captured(gateway, "100.00")
        gateway.pending_next()
        pending = gateway.refund(
            payment_id="pay-1", refund_id="r", amount=cny("100"), idempotency_key="r1"
        )
        with pytest.raises(RefundExceedsCapture):
            gateway.refund(
                payment_id="pay-1", refund_id="r2", amount=cny("1"), idempotency_key="r2"
            )

        failed = gateway.settle(pending.reference, succeeded=False, reason="account closed")

        assert failed.status is GatewayStatus.FAILED
        assert failed.reason == "account closed"
        assert gateway.query(payment_id="pay-1").refunded == cny("0")
        assert gateway.refund(
            payment_id="pay-1", refund_id="r2", amount=cny("100"), idempotency_key="r2"
        ).succeeded

    def test_a_pending_authorization_settles_later(self, gateway: ScriptableGateway) -> None:
        gateway.pending_next()
        pending = gateway.authorize(
            payment_id="p", amount=cny("10"), method="card", idempotency_key="k"
        )

        assert gateway.query(payment_id="p").status is GatewayStatus.PENDING
        with pytest.raises(PaymentNotAuthorized):
            gateway.capture(payment_id="p", amount=cny("10"), idempotency_key="c")
        with pytest.raises(PaymentAlreadyAuthorized):
            gateway.authorize(payment_id="p", amount=cny("10"), method="card", idempotency_key="k2")

        gateway.settle(pending.reference)

        assert gateway.query(payment_id="p").authorized == cny("10")
        assert gateway.capture(payment_id="p", amount=cny("10"), idempotency_key="c").succeeded

    def test_only_pending_operations_settle(self, gateway: ScriptableGateway) -> None:
        with pytest.raises(NotFound):
            gateway.settle("no-such-reference")

    def test_totals_stay_ordered_and_every_call_acts_exactly_once(
        self, make_gateway: GatewayFactory
    ) -> None:
        @given(opening=st.sampled_from(SCRIPTS), steps=STEPS)
        def check(opening: str, steps: list[Step]) -> None:
            run = Exercise(make_gateway("alipay"))
            run.step(0, ("authorize", 0, opening))  # most runs get past the authorization
            for index, step in enumerate(steps, start=1):
                run.step(index, step)
            run.retry_everything()

            final = standing(run.gateway, run.pid)
            if final is None:
                assert not run.known
                return
            assert final.authorized == run.total(GatewayOperation.AUTHORIZE)
            assert final.captured == run.total(GatewayOperation.CAPTURE)
            assert final.refunded == run.total(GatewayOperation.REFUND)
            event_ids = [n.event_id for n in run.delivered]
            assert len(set(event_ids)) == len(event_ids)
            notified = sorted(n.reference for n in run.delivered)
            assert notified == sorted(r.reference for r in run.known.values())
            for call in run.calls:  # one more replay of everything changes nothing
                if call.key in run.known:
                    assert invoke(run.gateway, call, run.pid) == run.known[call.key]
            assert run.gateway.query(payment_id=run.pid) == final
            assert run.gateway.take_notifications() == []

        check()
