"""The contract of the ``Payout`` port (:mod:`merx.settlement.ports`).

Run it against an adapter by subclassing :class:`PayoutContract` and providing the
fixture ``make_payout``: a :class:`PayoutFactory` answering a fresh adapter with the test
hooks of :class:`ScriptablePayout`::

    class TestBankSandbox(PayoutContract):
        @pytest.fixture
        def make_payout(self) -> PayoutFactory:
            return lambda: BankSandboxPayout(sandbox_credentials())

Laws: a key pays at most once, whatever the replays, timeouts and pending answers; a
refusal moves no money; the same key with another payload is a conflict; after a timeout
the retry (or a query) answers what the bank did.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from typing import Any, Protocol

import pytest
from hypothesis import given
from hypothesis import strategies as st

from merx.kernel.errors import IdempotencyConflict, InvalidAmount, ValidationError
from merx.kernel.money import Money
from merx.settlement.ports import (
    Payout,
    PayoutResult,
    PayoutStatus,
    PayoutTimeout,
    UnknownPayout,
)


class ScriptablePayout(Payout, Protocol):
    """The port plus the test hooks the contract needs."""

    @property
    def paid_out(self) -> Mapping[str, Money]: ...

    def refuse_next(self, n: int = 1, *, reason: str = ...) -> None: ...

    def pending_next(self, n: int = 1) -> None: ...

    def timeout_next(self, n: int = 1, *, applied: bool) -> None: ...

    def settle_pending(self, idempotency_key: str, *, paid: bool, reason: str = ...) -> None: ...


#: What the host's ``make_payout`` fixture answers: a fresh payout adapter.
PayoutFactory = Callable[[], ScriptablePayout]


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


def pay(payout: Payout, key: str = "w1/payout", amount: str = "100.00") -> PayoutResult:
    return payout.pay(
        merchant_id="m1", bank_account="6222-0001", amount=cny(amount), idempotency_key=key
    )


ACTIONS = ("pay", "pay", "replay", "refuse", "pending", "timeout_applied", "timeout_lost", "decide")


class PayoutContract:
    """The contract of a ``Payout`` adapter (see the module docstring). Subclass it
    under a name pytest collects and provide the fixture ``make_payout`` (a
    :class:`PayoutFactory`)."""

    @pytest.fixture
    def payout(self, make_payout: PayoutFactory) -> ScriptablePayout:
        return make_payout()

    def test_a_payout_is_paid_and_answered_again_on_replay(self, payout: ScriptablePayout) -> None:
        first = pay(payout)

        assert first.status is PayoutStatus.PAID
        assert first.paid
        assert first.reference
        assert pay(payout) == first
        assert payout.query(idempotency_key="w1/payout") == first
        assert dict(payout.paid_out) == {"w1/payout": cny("100.00")}

    def test_a_key_reused_with_another_payload_is_a_conflict(
        self, payout: ScriptablePayout
    ) -> None:
        pay(payout)
        with pytest.raises(IdempotencyConflict):
            pay(payout, amount="100.01")
        with pytest.raises(IdempotencyConflict):
            payout.pay(
                merchant_id="m1",
                bank_account="6222-9999",
                amount=cny("100.00"),
                idempotency_key="w1/payout",
            )
        assert dict(payout.paid_out) == {"w1/payout": cny("100.00")}

    def test_a_refusal_is_a_result_and_moves_no_money(self, payout: ScriptablePayout) -> None:
        payout.refuse_next(reason="account closed")

        refused = pay(payout)

        assert (refused.status, refused.reason) == (PayoutStatus.REFUSED, "account closed")
        assert pay(payout) == refused  # the same key keeps its answer
        assert dict(payout.paid_out) == {}
        assert pay(payout, key="w2/payout").paid

    def test_a_pending_payout_is_decided_later(self, payout: ScriptablePayout) -> None:
        payout.pending_next(2)
        assert pay(payout).status is PayoutStatus.PENDING
        assert pay(payout, key="w2/payout").status is PayoutStatus.PENDING

        payout.settle_pending("w1/payout", paid=True)
        payout.settle_pending("w2/payout", paid=False, reason="compliance hold")

        assert pay(payout).paid
        assert payout.query(idempotency_key="w2/payout").status is PayoutStatus.REFUSED
        assert dict(payout.paid_out) == {"w1/payout": cny("100.00")}

    def test_a_timeout_after_the_bank_acted_is_answered_by_the_retry(
        self, payout: ScriptablePayout
    ) -> None:
        payout.timeout_next(applied=True)
        with pytest.raises(PayoutTimeout):
            pay(payout)

        assert payout.query(idempotency_key="w1/payout").paid
        assert pay(payout).paid
        assert dict(payout.paid_out) == {"w1/payout": cny("100.00")}

    def test_a_timeout_before_the_bank_acted_pays_on_the_retry(
        self, payout: ScriptablePayout
    ) -> None:
        payout.timeout_next(applied=False)
        with pytest.raises(PayoutTimeout):
            pay(payout)

        with pytest.raises(UnknownPayout):
            payout.query(idempotency_key="w1/payout")
        assert dict(payout.paid_out) == {}
        assert pay(payout).paid

    @pytest.mark.parametrize(
        ("change", "error"),
        [
            ({"amount": cny("0")}, InvalidAmount),
            ({"amount": cny("-1")}, InvalidAmount),
            ({"bank_account": ""}, ValidationError),
            ({"idempotency_key": ""}, ValidationError),
        ],
    )
    def test_malformed_payouts_are_refused(
        self, payout: ScriptablePayout, change: dict[str, Any], error: type[Exception]
    ) -> None:
        request: dict[str, Any] = {
            "merchant_id": "m1",
            "bank_account": "6222",
            "amount": cny("1.00"),
            "idempotency_key": "k",
        }
        with pytest.raises(error):
            payout.pay(**(request | change))
        assert dict(payout.paid_out) == {}

    def test_a_key_never_pays_twice(self, make_payout: PayoutFactory) -> None:
        @given(
            actions=st.lists(
                st.tuples(st.sampled_from(ACTIONS), st.integers(0, 5), st.booleans()), max_size=30
            )
        )
        def check(actions: list[tuple[str, int, bool]]) -> None:
            payout = make_payout()
            keys: list[str] = []
            for i, (action, pick, flag) in enumerate(actions):
                if action == "decide":
                    if keys:
                        key = keys[pick % len(keys)]
                        try:
                            result = payout.query(idempotency_key=key)
                        except UnknownPayout:
                            continue
                        if result.status is PayoutStatus.PENDING:
                            payout.settle_pending(key, paid=flag)
                    continue
                if action == "refuse":
                    payout.refuse_next()
                elif action == "pending":
                    payout.pending_next()
                elif action.startswith("timeout"):
                    payout.timeout_next(applied=action == "timeout_applied")
                key = keys[pick % len(keys)] if action == "replay" and keys else f"w{i}"
                if key not in keys:
                    keys.append(key)
                with contextlib.suppress(PayoutTimeout):
                    pay(payout, key=key, amount="10.00")
                paid = dict(payout.paid_out)
                assert set(paid) <= set(keys)
                assert all(amount == cny("10.00") for amount in paid.values())
                for known in paid:
                    assert payout.query(idempotency_key=known).paid

        check()
