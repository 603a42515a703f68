"""Keeping the index in step with the catalog, and searching what is still on sale.

The index is a cache of the catalog: :func:`follow_catalog` puts or removes a SKU's
document when its listing, price or sales restrictions change, or stock arrives for it
(stock received or restocked: the regions it is in stock for); :class:`ReindexSearch`
rebuilds it from the store. Stock taken by orders does not reach the index as it goes
(that would cost every order reads); ``ReindexSearch`` on a schedule refreshes it.
Events are delivered at least once: putting the same document again changes nothing.

:func:`search_on_sale` answers a query and checks each hit of the page against the
store: a SKU no longer on sale (or not sold to the shopper's region) is taken out of the
index there and the query answered again, so a stale index never shows it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

import attrs

from merx.catalog import (
    PriceChanged,
    SalesRestrictionsChanged,
    Sku,
    SkuDelisted,
    SkuListed,
)
from merx.inventory import StockItem, StockReceived, StockRestocked, Warehouse, stock_key
from merx.kernel.bus import Command
from merx.kernel.clock import Clock
from merx.kernel.ids import SkuId, WarehouseId
from merx.kernel.uow import UnitOfWork, prefetch
from merx.orders import Order, OrderPaid
from merx.products import Brand, Spu
from merx.search.model import SearchDocument, SearchQuery, SearchResults
from merx.search.ports import SearchIndex

#: the events :func:`follow_catalog` follows
FOLLOWED = (
    SkuListed,
    SkuDelisted,
    PriceChanged,
    SalesRestrictionsChanged,
    StockReceived,
    StockRestocked,
)
#: how many times :func:`search_on_sale` asks again after taking stale SKUs out
_RETRIES = 4


@attrs.frozen
class ReindexSearch(Command[int]):
    """Rebuild the index from the store: every SKU on sale put (its sales and listing
    time kept when the index knew it), every other one removed. The SKUs indexed."""


def _warehouses(uow: UnitOfWork) -> list[WarehouseId]:
    """Every warehouse's id, their documents prefetched: listed once per command."""
    warehouses = [WarehouseId(key) for key in uow.repo(Warehouse).ids()]
    prefetch(uow.repo(Warehouse), warehouses)
    return warehouses


def _stocked_in(uow: UnitOfWork, sku: SkuId, warehouses: Sequence[WarehouseId]) -> frozenset[str]:
    prefetch(uow.repo(StockItem), [stock_key(w, sku) for w in warehouses])
    regions: set[str] = set()
    for key in warehouses:
        warehouse = uow.repo(Warehouse).view(key)
        item = uow.repo(StockItem).find(stock_key(key, sku))
        if warehouse.active and item is not None and item.available > 0:
            regions.update(warehouse.delivery_km)
    return frozenset(regions)


def _brand(uow: UnitOfWork, sku: Sku) -> str | None:
    if sku.spu_id is None:
        return None
    spu = uow.repo(Spu).find(sku.spu_id)
    if spu is None or spu.brand is None:
        return None
    brand = uow.repo(Brand).find(spu.brand)
    return None if brand is None else brand.name


def search_document(
    uow: UnitOfWork,
    sku_id: str,
    index: SearchIndex,
    now: datetime,
    warehouses: Sequence[WarehouseId],
) -> SearchDocument | None:
    """The SKU's document as the store has it now, or ``None`` when it is not on sale
    (sales and listing time kept from the index's document, if any; in stock in
    ``warehouses``)."""
    sku = uow.repo(Sku).find(sku_id)
    if sku is None or not sku.on_sale:
        return None
    known = index.get(sku.id)
    return SearchDocument(
        sku_id=sku.id,
        title=sku.title,
        category=sku.category,
        merchant=sku.merchant,
        price=sku.price,
        listed_at=known.listed_at if known is not None else now,
        brand=_brand(uow, sku),
        sales=known.sales if known is not None else 0,
        stocked_in=_stocked_in(uow, sku.id, warehouses),
        sold_to=sku.restrictions.regions,
    )


def _refresh(uow: UnitOfWork, sku_id: str, index: SearchIndex, now: datetime) -> bool:
    document = search_document(uow, sku_id, index, now, _warehouses(uow))
    if document is None:
        index.remove(sku_id)
        return False
    if document != index.get(sku_id):
        index.put(document)
    return True


SkuEvent = SkuListed | SkuDelisted | PriceChanged | SalesRestrictionsChanged
StockEvent = StockReceived | StockRestocked


def follow_sku(event: SkuEvent, uow: UnitOfWork, *, index: SearchIndex, clock: Clock) -> None:
    """Subscriber of the catalog's events in :data:`FOLLOWED`: put or remove the SKU."""
    _refresh(uow, event.sku_id, index, clock.now())


def follow_stock(event: StockEvent, uow: UnitOfWork, *, index: SearchIndex, clock: Clock) -> None:
    """Subscriber of stock arriving: the SKU's regions in stock, again."""
    _refresh(uow, event.sku, index, clock.now())


def count_sales(event: OrderPaid, uow: UnitOfWork, *, index: SearchIndex) -> None:
    """Subscriber of ``orders.OrderPaid``: each line's units added to its SKU's ``sales``
    (the sales sort, relevance's tie-break), once per order whatever the deliveries."""
    order = uow.repo(Order).find(event.order_id)
    if order is None:
        return
    for line in order.lines:
        index.count_sale(line.sku, order.id, line.quantity)


def reindex_search(cmd: ReindexSearch, uow: UnitOfWork, *, index: SearchIndex, clock: Clock) -> int:
    now = clock.now()
    skus = sorted(uow.repo(Sku).ids())
    warehouses = _warehouses(uow)
    prefetch(uow.repo(Sku), skus)  # the SKUs and their stock, each in one read
    prefetch(uow.repo(StockItem), [stock_key(w, SkuId(s)) for w in warehouses for s in skus])
    fresh: list[SearchDocument] = []
    indexed = 0
    for sku in skus:
        document = search_document(uow, sku, index, now, warehouses)
        if document is None:
            index.remove(sku)
            continue
        indexed += 1
        if document != index.get(sku):
            fresh.append(document)
    index.put_many(fresh)
    return indexed


def search_on_sale(uow: UnitOfWork, index: SearchIndex, query: SearchQuery) -> SearchResults:
    """``index``'s answer to ``query`` with every hit on the page checked against the
    store (see the module); the SKUs found stale are removed from the index."""
    for _ in range(_RETRIES):
        found = index.search(query)
        stale = set(_stale(uow, found.sku_ids, query.region))
        if not stale:
            return found
        for sku in stale:
            index.remove(sku)
    # still stale after the retries (the store keeps delisting under us): the hits left,
    # the counts as the index has them
    return attrs.evolve(found, hits=tuple(h for h in found.hits if h.sku_id not in stale))


def _stale(uow: UnitOfWork, skus: Iterable[str], region: str | None) -> Iterable[str]:
    skus = list(skus)
    prefetch(uow.repo(Sku), skus)
    for sku_id in skus:
        sku = uow.repo(Sku).find(sku_id)
        if (
            sku is None
            or not sku.on_sale
            or (region is not None and not sku.restrictions.sells_to(region))
        ):
            yield sku_id
