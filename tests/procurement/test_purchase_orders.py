"""Purchase orders: contract prices of the order date, partial receipts raising stock."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from merx.adapters.memory import MemoryUnitOfWork
from merx.inventory import ReceiveStock, StockItem, StockReceived, stock_key
from merx.inventory.services import receive_stock
from merx.kernel.errors import IdempotencyConflict, IllegalTransition, InvalidQuantity, NotFound
from merx.kernel.ids import SkuId, WarehouseId
from merx.kernel.money import Money
from merx.procurement import (
    AddContractPrice,
    ApprovePurchaseOrder,
    CancelPurchaseOrder,
    ClosePurchaseOrder,
    ContractNotInForce,
    DraftPurchaseOrder,
    NoContractPrice,
    NotOnPurchaseOrder,
    PurchaseOrder,
    PurchaseOrderId,
    PurchaseOrderReceived,
    PurchaseOrderState,
    ReceiptExceedsOrder,
    ReceivePurchaseOrder,
    TerminateContract,
)
from merx.suppliers import (
    SupplierNotActive,
    SupplierType,
    SuspendSupplier,
    WrongSupplierType,
)
from tests.procurement.world import WAREHOUSE, SupplyWorld, make_world

A, B = SkuId("phone"), SkuId("case")


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


def receive(world: SupplyWorld, order_id: PurchaseOrderId, ref: str, **items: int) -> None:
    world.handle(
        ReceivePurchaseOrder(order_id, ref, tuple((SkuId(s), q) for s, q in items.items()))
    )


def test_a_purchase_order_takes_the_contract_price_of_its_order_date(world: SupplyWorld) -> None:
    supplier_id = world.approved_supplier()
    contract_id = world.signed_contract(
        supplier_id, {"phone": "2000.00"}, (date(2026, 1, 1), date(2026, 2, 1))
    )
    world.handle(
        AddContractPrice(contract_id, A, cny("1800.00"), date(2026, 2, 1), date(2026, 3, 1))
    )
    first = world.handle(DraftPurchaseOrder(supplier_id, contract_id, WAREHOUSE, ((A, 3),)))
    world.clock.set(datetime(2026, 2, 3, tzinfo=UTC))
    second = world.handle(DraftPurchaseOrder(supplier_id, contract_id, WAREHOUSE, ((A, 3),)))
    assert world.get(PurchaseOrder, first).lines[0].unit_cost == cny("2000.00")
    assert world.get(PurchaseOrder, second).lines[0].unit_cost == cny("1800.00")
    assert world.get(PurchaseOrder, second).total == cny("5400.00")
    assert world.get(PurchaseOrder, second).ordered_on == date(2026, 2, 3)
    world.clock.set(datetime(2026, 3, 1, tzinfo=UTC))
    with pytest.raises(NoContractPrice):
        world.handle(DraftPurchaseOrder(supplier_id, contract_id, WAREHOUSE, ((A, 3),)))


def test_only_active_stocked_suppliers_with_a_contract_in_force_get_purchase_orders(
    world: SupplyWorld,
) -> None:
    consignor = world.approved_supplier(SupplierType.CONSIGNMENT)
    consignment_contract = world.signed_contract(consignor, {"phone": "1.00"})
    with pytest.raises(WrongSupplierType, match="consignment"):
        world.handle(DraftPurchaseOrder(consignor, consignment_contract, WAREHOUSE, ((A, 1),)))
    stocked = world.approved_supplier()
    contract_id = world.signed_contract(stocked, {"phone": "1.00"})
    with pytest.raises(ValueError, match="is with"):
        world.handle(DraftPurchaseOrder(stocked, consignment_contract, WAREHOUSE, ((A, 1),)))
    world.handle(TerminateContract(contract_id, "ended"))
    with pytest.raises(ContractNotInForce):
        world.handle(DraftPurchaseOrder(stocked, contract_id, WAREHOUSE, ((A, 1),)))
    other = world.approved_supplier()
    other_contract = world.signed_contract(other, {"phone": "1.00"})
    world.handle(SuspendSupplier(other, "audit"))
    with pytest.raises(SupplierNotActive):
        world.handle(DraftPurchaseOrder(other, other_contract, WAREHOUSE, ((A, 1),)))


def test_lines_must_be_positive_and_distinct(world: SupplyWorld) -> None:
    supplier_id = world.approved_supplier()
    contract_id = world.signed_contract(supplier_id, {"phone": "1.00", "case": "2.00"})
    with pytest.raises(InvalidQuantity):
        world.handle(DraftPurchaseOrder(supplier_id, contract_id, WAREHOUSE, ((A, 0),)))
    with pytest.raises(ValueError, match="twice"):
        world.handle(DraftPurchaseOrder(supplier_id, contract_id, WAREHOUSE, ((A, 1), (A, 2))))
    with pytest.raises(ValueError, match="no lines"):
        world.handle(DraftPurchaseOrder(supplier_id, contract_id, WAREHOUSE, ()))


def test_partial_receipts_raise_stock_exactly_then_the_order_is_received(
    world: SupplyWorld,
) -> None:
    order_id = world.approved_purchase_order({"phone": 10, "case": 4})
    receive(world, order_id, "GRN-1", phone=6)
    order = world.get(PurchaseOrder, order_id)
    assert order.status is PurchaseOrderState.PARTIALLY_RECEIVED
    assert (order.received_of(A), order.outstanding_of(A), order.received_of(B)) == (6, 4, 0)
    assert (world.on_hand("phone"), world.on_hand("case")) == (6, 0)
    receive(world, order_id, "GRN-2", phone=4, case=4)
    order = world.get(PurchaseOrder, order_id)
    assert order.status is PurchaseOrderState.RECEIVED
    assert (world.on_hand("phone"), world.on_hand("case")) == (10, 4)
    assert order.received_value == order.total == cny("140.00")
    stock_events = world.events.of(StockReceived)
    assert [(e.sku, e.quantity, e.reference) for e in stock_events] == [  # type: ignore[attr-defined]
        ("phone", 6, f"{order_id}/GRN-1"),
        ("phone", 4, f"{order_id}/GRN-2"),
        ("case", 4, f"{order_id}/GRN-2"),
    ]
    received = world.events.of(PurchaseOrderReceived)
    assert [e.complete for e in received] == [False, True]  # type: ignore[attr-defined]


def test_a_receipt_beyond_the_order_is_refused_and_changes_nothing(world: SupplyWorld) -> None:
    order_id = world.approved_purchase_order({"phone": 10, "case": 4})
    receive(world, order_id, "GRN-1", phone=6)
    before = world.snapshot()
    events_before = len(world.events.events)
    with pytest.raises(ReceiptExceedsOrder, match="only 4 of 10 are outstanding"):
        receive(world, order_id, "GRN-2", case=1, phone=5)
    with pytest.raises(NotOnPurchaseOrder):
        receive(world, order_id, "GRN-3", charger=1)
    assert world.snapshot() == before
    assert len(world.events.events) == events_before


def test_a_repeated_receipt_is_a_replay_and_a_changed_one_a_conflict(world: SupplyWorld) -> None:
    order_id = world.approved_purchase_order({"phone": 10, "case": 4})
    receive(world, order_id, "GRN-1", phone=6, case=1)
    before = world.snapshot()
    receive(world, order_id, "GRN-1", case=1, phone=6)  # same lines, any order
    assert world.snapshot() == before
    with pytest.raises(IdempotencyConflict, match="GRN-1"):
        receive(world, order_id, "GRN-1", phone=5)
    assert world.on_hand("phone") == 6


def test_a_replay_of_the_last_receipt_works_once_the_order_is_received(
    world: SupplyWorld,
) -> None:
    order_id = world.approved_purchase_order({"phone": 2})
    receive(world, order_id, "GRN-1", phone=2)
    receive(world, order_id, "GRN-1", phone=2)
    assert world.on_hand("phone") == 2
    with pytest.raises(IllegalTransition, match="'receive part' in state 'received'"):
        receive(world, order_id, "GRN-2", phone=1)


def test_stock_is_added_to_what_the_warehouse_already_holds(world: SupplyWorld) -> None:
    with MemoryUnitOfWork(world.store) as uow:
        receive_stock(ReceiveStock(WAREHOUSE, A, 5, "opening balance"), uow)
    order_id = world.approved_purchase_order({"phone": 3})
    receive(world, order_id, "GRN-1", phone=3)
    assert world.on_hand("phone") == 8


def test_receiving_needs_an_approved_order(world: SupplyWorld) -> None:
    supplier_id = world.approved_supplier()
    contract_id = world.signed_contract(supplier_id, {"phone": "1.00"})
    order_id = world.handle(DraftPurchaseOrder(supplier_id, contract_id, WAREHOUSE, ((A, 1),)))
    with pytest.raises(IllegalTransition, match="in state 'draft'"):
        receive(world, order_id, "GRN-1", phone=1)
    assert world.on_hand("phone") == 0


def test_cancel_from_draft_or_approved_and_close_after_a_partial_receipt(
    world: SupplyWorld,
) -> None:
    supplier_id = world.approved_supplier()
    contract_id = world.signed_contract(supplier_id, {"phone": "1.00"})
    draft_id = world.handle(DraftPurchaseOrder(supplier_id, contract_id, WAREHOUSE, ((A, 1),)))
    world.handle(CancelPurchaseOrder(draft_id, "duplicate"))
    assert world.get(PurchaseOrder, draft_id).status is PurchaseOrderState.CANCELLED
    with pytest.raises(IllegalTransition):
        world.handle(ApprovePurchaseOrder(draft_id))

    approved = world.approved_purchase_order({"phone": 5})
    world.handle(CancelPurchaseOrder(approved, "price dispute"))
    assert world.get(PurchaseOrder, approved).reason == "price dispute"

    partial = world.approved_purchase_order({"phone": 5})
    receive(world, partial, "GRN-1", phone=2)
    with pytest.raises(IllegalTransition, match="'cancel' in state 'partially_received'"):
        world.handle(CancelPurchaseOrder(partial, "too late"))
    world.handle(ClosePurchaseOrder(partial, "supplier out of stock"))
    closed = world.get(PurchaseOrder, partial)
    assert closed.status is PurchaseOrderState.CLOSED
    with pytest.raises(IllegalTransition):
        receive(world, partial, "GRN-2", phone=1)
    assert world.on_hand("phone") == 2


def test_a_suspended_supplier_cannot_have_an_order_approved(world: SupplyWorld) -> None:
    supplier_id = world.approved_supplier()
    contract_id = world.signed_contract(supplier_id, {"phone": "1.00"})
    order_id = world.handle(DraftPurchaseOrder(supplier_id, contract_id, WAREHOUSE, ((A, 1),)))
    world.handle(SuspendSupplier(supplier_id, "audit"))
    with pytest.raises(SupplierNotActive):
        world.handle(ApprovePurchaseOrder(order_id))


# -- properties ------------------------------------------------------------------------


@given(
    ordered=st.tuples(st.integers(1, 20), st.integers(1, 20)),
    attempts=st.lists(st.tuples(st.integers(0, 25), st.integers(0, 25)), max_size=12),
)
def test_any_sequence_of_receipts_never_exceeds_the_order_and_stock_follows_receipts(
    ordered: tuple[int, int], attempts: list[tuple[int, int]]
) -> None:
    world = make_world()
    order_id = world.approved_purchase_order({"phone": ordered[0], "case": ordered[1]})
    accepted = [0, 0]
    for n, (qa, qb) in enumerate(attempts):
        items = {k: v for k, v in (("phone", qa), ("case", qb)) if v}
        if not items:
            continue
        fits = qa <= ordered[0] - accepted[0] and qb <= ordered[1] - accepted[1]
        try:
            receive(world, order_id, f"GRN-{n}", **items)
        except ReceiptExceedsOrder:
            assert not fits
        except IllegalTransition:
            assert accepted == list(ordered)
        else:
            assert fits
            accepted = [accepted[0] + qa, accepted[1] + qb]
    order = world.get(PurchaseOrder, order_id)
    assert [order.received_of(A), order.received_of(B)] == accepted
    assert (world.on_hand("phone"), world.on_hand("case")) == tuple(accepted)
    assert order.received_of(A) <= ordered[0]
    assert order.received_of(B) <= ordered[1]
    complete = accepted == list(ordered)
    assert (order.status is PurchaseOrderState.RECEIVED) == complete


class PurchaseOrderMachine(RuleBasedStateMachine):
    """A purchase order driven through the bus against a reference: received per line,
    stock per SKU and status."""

    def __init__(self) -> None:
        super().__init__()
        self.world = make_world()
        self.ordered = {"phone": 7, "case": 3}
        self.order_id = self.world.approved_purchase_order(self.ordered)
        self.received = dict.fromkeys(self.ordered, 0)
        self.receipts: dict[str, dict[str, int]] = {}
        self.status = PurchaseOrderState.APPROVED
        self.n = 0

    @rule(sku=st.sampled_from(["phone", "case"]), quantity=st.integers(1, 8))
    def receive(self, sku: str, quantity: int) -> None:
        self.n += 1
        ref = f"GRN-{self.n}"
        open_ = self.status in {PurchaseOrderState.APPROVED, PurchaseOrderState.PARTIALLY_RECEIVED}
        try:
            receive(self.world, self.order_id, ref, **{sku: quantity})
        except ReceiptExceedsOrder:
            assert open_
            assert quantity > self.ordered[sku] - self.received[sku]
            return
        except IllegalTransition:
            assert not open_
            return
        assert open_
        self.received[sku] += quantity
        self.receipts[ref] = {sku: quantity}
        full = self.received == self.ordered
        self.status = PurchaseOrderState.RECEIVED if full else PurchaseOrderState.PARTIALLY_RECEIVED

    @precondition(lambda self: bool(self.receipts))
    @rule(data=st.data())
    def replay(self, data: st.DataObject) -> None:
        ref = data.draw(st.sampled_from(sorted(self.receipts)))
        receive(self.world, self.order_id, ref, **self.receipts[ref])

    @precondition(lambda self: self.status is PurchaseOrderState.PARTIALLY_RECEIVED)
    @rule()
    def close(self) -> None:
        self.world.handle(ClosePurchaseOrder(self.order_id, "rest never came"))
        self.status = PurchaseOrderState.CLOSED

    @rule(days=st.integers(0, 3))
    def time_passes(self, days: int) -> None:
        self.world.clock.advance(timedelta(days=days))

    @invariant()
    def matches_the_reference(self) -> None:
        order = self.world.get(PurchaseOrder, self.order_id)
        assert order.status is self.status
        for sku, quantity in self.received.items():
            assert order.received_of(SkuId(sku)) == quantity <= self.ordered[sku]
            assert self.world.on_hand(sku) == quantity


PurchaseOrderMachine.TestCase.settings = settings(stateful_step_count=15)
test_purchase_order_machine = PurchaseOrderMachine.TestCase


def test_unit_costs_are_frozen_on_the_order_and_not_re_read(world: SupplyWorld) -> None:
    order_id = world.approved_purchase_order({"phone": 2}, {"phone": "99.99"})
    world.clock.advance(timedelta(days=30))
    receive(world, order_id, "GRN-1", phone=2)
    order = world.get(PurchaseOrder, order_id)
    assert order.receipt("GRN-1").total == cny("199.98")
    assert order.receipt("GRN-1").received_on == date(2026, 2, 4)
    assert world.get(StockItem, stock_key(WAREHOUSE, A)).on_hand == 2


def test_a_purchase_order_needs_an_opened_warehouse(world: SupplyWorld) -> None:
    supplier_id = world.approved_supplier()
    contract_id = world.signed_contract(supplier_id, {"phone": "1.00"})
    with pytest.raises(NotFound, match="Warehouse 'wh-nowhere'"):
        world.handle(
            DraftPurchaseOrder(supplier_id, contract_id, WarehouseId("wh-nowhere"), ((A, 1),))
        )
