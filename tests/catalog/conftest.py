"""A catalog-only bus over the in-memory store, wired the way merx.app should wire it."""

from __future__ import annotations

from decimal import Decimal
from functools import partial
from typing import Any, TypeVar

import attrs
import pytest

from merx import catalog
from merx.adapters.memory import EventLog, MemoryStore, MemoryUnitOfWork
from merx.kernel.bus import Command, MessageBus
from merx.kernel.uow import Keyed

R = TypeVar("R")
A = TypeVar("A", bound=Keyed)

#: The platform's policy in these tests: at least 5 % over purchase cost.
POLICY = catalog.ProfitPolicy(Decimal("0.05"))


def register_catalog(bus: MessageBus, policy: catalog.ProfitPolicy) -> None:
    """Every catalog command, as src/merx/app.py should register them."""
    bus.register(catalog.AddCategory, catalog.add_category)
    bus.register(catalog.RenameCategory, catalog.rename_category)
    bus.register(catalog.MoveCategory, catalog.move_category)
    bus.register(catalog.CreateBrand, catalog.create_brand)
    bus.register(catalog.CreateSpu, catalog.create_spu)
    bus.register(catalog.AddSpecValue, catalog.add_spec_value)
    bus.register(catalog.UpdateSpuContent, catalog.update_spu_content)
    bus.register(catalog.SetSpuLabels, catalog.set_spu_labels)
    bus.register(catalog.CreateSku, catalog.create_sku)
    bus.register(catalog.CreateSkuFromSpu, catalog.create_sku_from_spu)
    bus.register(catalog.ListSku, partial(catalog.list_sku, policy=policy))
    bus.register(catalog.DelistSku, catalog.delist_sku)
    bus.register(catalog.ChangePrice, partial(catalog.change_price, policy=policy))
    bus.register(catalog.SetPurchaseCost, partial(catalog.set_purchase_cost, policy=policy))
    bus.register(catalog.SetSalesRestrictions, catalog.set_sales_restrictions)
    bus.register(catalog.SetSkuLabels, catalog.set_sku_labels)
    bus.register(catalog.SetInstallmentEligible, catalog.set_installment_eligible)
    bus.register(catalog.PlaceSku, catalog.place_sku)
    bus.register(catalog.RemovePlacement, catalog.remove_placement)


@attrs.define
class CatalogApp:
    bus: MessageBus
    store: MemoryStore
    events: EventLog

    def handle(self, command: Command[R]) -> R:
        return self.bus.handle(command)

    def get(self, kind: type[A], key: str) -> A:
        with MemoryUnitOfWork(self.store) as uow:
            return uow.repo(kind).get(key)

    def tree(self) -> catalog.CategoryTree:
        with MemoryUnitOfWork(self.store) as uow:
            return catalog.load_category_tree(uow)

    def names(self) -> list[str]:
        return [event.name for event in self.events.events]

    def last(self, kind: type[Any]) -> Any:
        return self.events.of(kind)[-1]


@pytest.fixture
def app() -> CatalogApp:
    store = MemoryStore()
    events = EventLog()
    bus = MessageBus(lambda: MemoryUnitOfWork(store), events)
    register_catalog(bus, POLICY)
    return CatalogApp(bus, store, events)
