"""The contract of the ``ConsignmentChannel`` port (:mod:`merx.suppliers.ports`).

Run it against an adapter by subclassing :class:`ConsignmentChannelContract` and providing
the fixture ``make_channel``: a :class:`ChannelFactory` answering a fresh adapter with the
hooks of :class:`ScriptableChannel`, which play the supplier's part::

    class TestSupplierSandbox(ConsignmentChannelContract):
        @pytest.fixture
        def make_channel(self) -> ChannelFactory:
            return lambda: SupplierSandboxChannel(sandbox_credentials())

Laws: the same key and payload pushes once and answers the same ack; the same key and
another payload is a conflict; a refusal is an ack, not an error; after a timeout a retry
with the same key pushes at most once; shipments never exceed what was pushed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

import pytest
from hypothesis import given
from hypothesis import strategies as st

from merx.kernel.errors import (
    AlreadyExists,
    BusinessRuleViolation,
    IdempotencyConflict,
    IllegalTransition,
    ValidationError,
)
from merx.suppliers import (
    ConsignmentAck,
    ConsignmentChannel,
    ConsignmentShipment,
    ConsignmentTimeout,
    UnknownConsignmentOrder,
)


class Pushed(Protocol):
    """An order as the supplier received it, as the test hooks report it."""

    @property
    def order_ref(self) -> str: ...

    @property
    def items(self) -> tuple[tuple[str, int], ...]: ...


class ScriptableChannel(ConsignmentChannel, Protocol):
    """The port plus the hooks the contract needs to play the supplier's part."""

    @property
    def pushed(self) -> Sequence[Pushed]:
        """Every order the suppliers accepted, in order."""
        ...

    def refuse_next(self, n: int = 1, *, reason: str = ...) -> None: ...

    def timeout_next(self, n: int = 1, *, applied: bool) -> None: ...

    def timeout_shipments_next(self, n: int = 1) -> None: ...

    def ship(
        self,
        supplier_order_ref: str,
        carrier: str,
        tracking_number: str,
        items: Sequence[tuple[str, int]] | None = None,
    ) -> ConsignmentShipment: ...


#: What the host's ``make_channel`` fixture answers: a fresh channel.
ChannelFactory = Callable[[], ScriptableChannel]

ITEMS = (("phone", 2), ("case", 1))


def push(
    channel: ConsignmentChannel,
    key: str = "k1",
    *,
    order_ref: str = "ord-1",
    items: Sequence[tuple[str, int]] = ITEMS,
    destination: str = "Shanghai, Pudong",
) -> ConsignmentAck:
    return channel.push_order(
        supplier_id="sup-1",
        order_ref=order_ref,
        items=items,
        destination=destination,
        idempotency_key=key,
    )


class ConsignmentChannelContract:
    """The contract of a ``ConsignmentChannel`` adapter (see the module docstring). Subclass
    it under a name pytest collects and provide the fixture ``make_channel`` (a
    :class:`ChannelFactory`)."""

    @pytest.fixture
    def channel(self, make_channel: ChannelFactory) -> ScriptableChannel:
        return make_channel()

    def test_a_push_is_accepted_and_has_no_shipment_yet(self, channel: ScriptableChannel) -> None:
        ack = channel.push_order(
            supplier_id="sup-1",
            order_ref="ord-1",
            items=ITEMS,
            destination="Shanghai",
            idempotency_key="k1",
        )
        assert ack.accepted
        assert ack.reason is None
        assert channel.shipments(supplier_order_ref=ack.supplier_order_ref) == []

    def test_the_same_key_and_payload_answers_the_same_ack(
        self, channel: ScriptableChannel
    ) -> None:
        first = push(channel)
        assert push(channel) == first
        assert push(channel, items=list(ITEMS)) == first  # a list is the same payload
        other = push(channel, key="k2", order_ref="ord-2")
        assert other != first

    def test_the_same_key_with_another_payload_is_a_conflict(
        self, channel: ScriptableChannel
    ) -> None:
        push(channel)
        with pytest.raises(IdempotencyConflict):
            push(channel, destination="Beijing")

    def test_a_refusal_is_an_ack_and_cannot_ship(self, channel: ScriptableChannel) -> None:
        channel.refuse_next(reason="out of stock")
        ack = push(channel)
        assert ack == push(channel)
        assert not ack.accepted
        assert ack.reason == "out of stock"
        with pytest.raises(IllegalTransition):
            channel.ship(ack.supplier_order_ref, "SF", "SF001")

    def test_a_lost_push_is_pushed_by_the_retry(self, channel: ScriptableChannel) -> None:
        channel.timeout_next(applied=False)
        with pytest.raises(ConsignmentTimeout):
            push(channel)
        ack = push(channel)
        assert ack.accepted

    def test_an_applied_push_is_answered_by_the_retry_and_not_pushed_twice(
        self,
        channel: ScriptableChannel,
    ) -> None:
        channel.timeout_next(applied=True)
        with pytest.raises(ConsignmentTimeout):
            push(channel)
        ack = push(channel)
        assert ack.accepted
        assert push(channel) == ack
        assert len(channel.pushed) == 1

    def test_shipments_are_reported_and_never_exceed_the_order(
        self, channel: ScriptableChannel
    ) -> None:
        ack = push(channel)
        ref = ack.supplier_order_ref
        first = channel.ship(ref, "SF", "SF001", [("phone", 1)])
        rest = channel.ship(ref, "SF", "SF002")
        assert rest.items == (("phone", 1), ("case", 1))
        assert channel.shipments(supplier_order_ref=ref) == [first, rest]
        with pytest.raises(BusinessRuleViolation, match="fully shipped"):
            channel.ship(ref, "SF", "SF003")
        with pytest.raises(AlreadyExists):
            channel.ship(push(channel, key="k2").supplier_order_ref, "SF", "SF001")

    def test_unknown_orders_and_timeouts_on_shipments(self, channel: ScriptableChannel) -> None:
        with pytest.raises(UnknownConsignmentOrder):
            channel.shipments(supplier_order_ref="nope")
        ack = push(channel)
        channel.timeout_shipments_next()
        with pytest.raises(ConsignmentTimeout):
            channel.shipments(supplier_order_ref=ack.supplier_order_ref)
        assert channel.shipments(supplier_order_ref=ack.supplier_order_ref) == []

    @pytest.mark.parametrize(
        "overrides",
        [
            {"items": ()},
            {"items": (("a", 0),)},
            {"items": (("a", 1), ("a", 2))},
            {"destination": ""},
        ],
    )
    def test_invalid_pushes_are_refused_and_consume_no_script(
        self, channel: ScriptableChannel, overrides: dict[str, Any]
    ) -> None:
        channel.refuse_next()
        with pytest.raises(ValidationError):
            push(channel, key="bad", **overrides)
        assert not push(channel).accepted

    def test_after_retries_every_key_reached_the_supplier_at_most_once(
        self, make_channel: ChannelFactory
    ) -> None:
        @given(
            st.lists(
                st.tuples(st.integers(0, 3), st.sampled_from(["ok", "refuse", "lost", "applied"])),
                max_size=15,
            )
        )
        def check(steps: list[tuple[int, str]]) -> None:
            channel = make_channel()
            answered: dict[int, ConsignmentAck] = {}
            for key, script in steps:
                if script == "refuse":
                    channel.refuse_next()
                elif script in {"lost", "applied"}:
                    channel.timeout_next(applied=script == "applied")
                try:
                    ack = push(channel, key=f"k{key}", order_ref=f"ord-{key}")
                except ConsignmentTimeout:
                    continue
                if key in answered:
                    assert ack == answered[key]
                answered[key] = ack
            for key in sorted({key for key, _ in steps}):
                for _ in range(len(steps) + 1):  # scripted timeouts run out, so retries succeed
                    try:
                        ack = push(channel, key=f"k{key}", order_ref=f"ord-{key}")
                    except ConsignmentTimeout:
                        continue
                    assert answered.setdefault(key, ack) == ack
                    break
            assert set(answered) == {key for key, _ in steps}
            order_refs = [order.order_ref for order in channel.pushed]
            assert len(order_refs) == len(set(order_refs))

        check()
