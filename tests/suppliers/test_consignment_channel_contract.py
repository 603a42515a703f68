"""The ``ConsignmentChannel`` contract (:mod:`merx.testing.consignment`) run against the
in-memory channel; then the push use case on top of it."""

from __future__ import annotations

import pytest

from merx.adapters.memory import MemoryConsignmentChannel
from merx.kernel.ids import SkuId
from merx.suppliers import (
    ConsignmentTimeout,
    PushConsignmentOrder,
    SupplierNotActive,
    SupplierType,
    SuspendSupplier,
    WrongSupplierType,
)
from merx.testing.consignment import ChannelFactory, ConsignmentChannelContract
from tests.suppliers.world import SuppliersWorld


class TestMemoryConsignmentChannel(ConsignmentChannelContract):
    @pytest.fixture
    def make_channel(self) -> ChannelFactory:
        return MemoryConsignmentChannel


# -- the use case ----------------------------------------------------------------------


def test_pushing_to_a_consignment_supplier_is_idempotent(world: SuppliersWorld) -> None:
    supplier_id = world.approved_supplier(SupplierType.CONSIGNMENT)
    command = PushConsignmentOrder(
        supplier_id, "ord-9", ((SkuId("phone"), 1), (SkuId("case"), 2)), "Hangzhou"
    )
    world.channel.timeout_next(applied=True)
    with pytest.raises(ConsignmentTimeout):
        world.handle(command)
    ack = world.handle(command)
    assert ack.accepted
    assert world.handle(command) == ack
    assert [order.order_ref for order in world.channel.pushed] == ["ord-9"]
    assert world.channel.pushed[0].items == (("phone", 1), ("case", 2))


def test_only_active_consignment_suppliers_take_pushed_orders(world: SuppliersWorld) -> None:
    stocked = world.approved_supplier(SupplierType.STOCKED)
    with pytest.raises(WrongSupplierType):
        world.handle(PushConsignmentOrder(stocked, "ord-1", ((SkuId("a"), 1),), "Shanghai"))
    consignor = world.approved_supplier(SupplierType.CONSIGNMENT)
    world.handle(SuspendSupplier(consignor, "late shipments"))
    with pytest.raises(SupplierNotActive):
        world.handle(PushConsignmentOrder(consignor, "ord-1", ((SkuId("a"), 1),), "Shanghai"))
    assert world.channel.pushed == ()
