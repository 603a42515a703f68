"""Typed ids and the port that mints them.

Ids are plain strings at run time; ``NewType`` lets mypy keep an ``OrderId`` from being
passed where a ``SkuId`` is expected. New ids come from an :class:`IdSource` so the model
never calls ``uuid4()`` and tests are reproducible.
"""

from __future__ import annotations

from typing import NewType, Protocol

CustomerId = NewType("CustomerId", str)
MerchantId = NewType("MerchantId", str)
SupplierId = NewType("SupplierId", str)
ProductId = NewType("ProductId", str)
SkuId = NewType("SkuId", str)
WarehouseId = NewType("WarehouseId", str)
CartId = NewType("CartId", str)
OrderId = NewType("OrderId", str)
PaymentId = NewType("PaymentId", str)
ShipmentId = NewType("ShipmentId", str)
AfterSaleId = NewType("AfterSaleId", str)

#: The platform itself, where a party id is expected (self-operated goods, platform funding).
PLATFORM = MerchantId("platform")


class IdSource(Protocol):
    """Port: mints unique ids. ``prefix`` names the kind (``"ord"``, ``"pay"``) for readability."""

    def next_id(self, prefix: str) -> str: ...
