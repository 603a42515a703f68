"""A stateful test of one SKU's stock against a simple reference model.

Any interleaving of receive / reserve / lock (pay) / release / expire / ship / return
keeps on_hand >= 0, reserved >= 0, available = on_hand - reserved, matches the model,
and never ships more than was received and returned.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import attrs
import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from merx.errors import IdempotencyConflict
from merx.inventory import NoFirmLock, OutOfStock, StockItem
from merx.kernel.ids import SkuId, WarehouseId

T0 = datetime(2026, 6, 18, tzinfo=UTC)
orders = st.sampled_from([f"o{i}" for i in range(6)])
quantities = st.integers(1, 4)


@attrs.define
class Model:
    on_hand: int = 0
    holds: dict[str, tuple[int, datetime | None]] = attrs.field(factory=dict)
    shipped: dict[str, int] = attrs.field(factory=dict)
    received: int = 0
    returned: int = 0
    receipts: dict[str, int] = attrs.field(factory=dict)

    @property
    def reserved(self) -> int:
        return sum(q for q, _ in self.holds.values())


class StockMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.stock = StockItem.open(WarehouseId("wh"), SkuId("sku"))
        self.model = Model()
        self.now = T0

    def _held(self, order: str) -> int | None:
        hold = self.model.holds.get(order)
        return hold[0] if hold else None

    @rule(quantity=quantities)
    def receive(self, quantity: int) -> None:
        reference = f"po-{len(self.model.receipts)}"
        assert self.stock.receive(quantity, reference)
        self.model.receipts[reference] = quantity
        self.model.on_hand += quantity
        self.model.received += quantity

    @precondition(lambda self: self.model.receipts)
    @rule(data=st.data())
    def receipt_delivered_again(self, data: st.DataObject) -> None:
        """A receipt sent twice counts once; with another quantity it is refused."""
        reference = data.draw(st.sampled_from(sorted(self.model.receipts)))
        quantity = self.model.receipts[reference]
        assert not self.stock.receive(quantity, reference)
        with pytest.raises(IdempotencyConflict):
            self.stock.receive(quantity + 1, reference)

    @rule(order=orders, quantity=quantities, ttl=st.integers(1, 60))
    def reserve(self, order: str, quantity: int, ttl: int) -> None:
        expires = self.now + timedelta(minutes=ttl)
        held = self._held(order)
        if held is not None and held != quantity:
            expected: type[Exception] | None = IdempotencyConflict
        elif held is None and quantity > self.model.on_hand - self.model.reserved:
            expected = OutOfStock
        else:
            expected = None
        if expected is not None:
            with pytest.raises(expected):
                self.stock.reserve(order, quantity, expires)
            return
        self.stock.reserve(order, quantity, expires)
        if held is None:
            self.model.holds[order] = (quantity, expires)

    @rule(order=orders, quantity=quantities)
    def pay(self, order: str, quantity: int) -> None:
        held = self._held(order)
        if held is not None and held != quantity:
            expected: type[Exception] | None = IdempotencyConflict
        elif held is None and quantity > self.model.on_hand - self.model.reserved:
            expected = OutOfStock
        else:
            expected = None
        if expected is not None:
            with pytest.raises(expected):
                self.stock.lock(order, quantity)
            return
        self.stock.lock(order, quantity)
        self.model.holds[order] = (quantity, None)

    @rule(order=orders)
    def release(self, order: str) -> None:
        released = self.stock.release(order)
        hold = self.model.holds.pop(order, None)
        assert released == (hold[0] if hold else 0)

    @rule(minutes=st.integers(1, 90))
    def expire(self, minutes: int) -> None:
        self.now += timedelta(minutes=minutes)
        expired = self.stock.expire(self.now)
        model_expired = sorted(
            o for o, (_, at) in self.model.holds.items() if at is not None and at <= self.now
        )
        assert sorted(expired) == model_expired
        for order in model_expired:
            del self.model.holds[order]

    @rule(order=orders)
    def ship(self, order: str) -> None:
        hold = self.model.holds.get(order)
        if hold is None or hold[1] is not None:  # no firm lock (or shipped already)
            with pytest.raises(NoFirmLock):
                self.stock.deduct(order)
            return
        assert self.stock.deduct(order) == hold[0]
        del self.model.holds[order]
        self.model.shipped[order] = hold[0]
        self.model.on_hand -= hold[0]

    @rule(quantity=quantities)
    def customer_return(self, quantity: int) -> None:
        shipped = sum(self.model.shipped.values())
        if self.model.returned + quantity > shipped:
            return
        assert self.stock.restock(quantity, f"return-{self.model.returned}")
        self.model.on_hand += quantity
        self.model.returned += quantity

    @invariant()
    def counts_match_the_model(self) -> None:
        assert self.stock.on_hand == self.model.on_hand >= 0
        assert self.stock.reserved == self.model.reserved >= 0
        assert self.stock.reserved == sum(hold.quantity for hold in self.stock.holds.values())
        assert self.stock.available == self.stock.on_hand - self.stock.reserved >= 0

    @invariant()
    def never_ships_more_than_came_in(self) -> None:
        shipped = self.stock.shipped
        assert shipped <= self.model.received + self.model.returned


TestStock = StockMachine.TestCase
