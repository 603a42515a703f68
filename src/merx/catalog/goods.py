"""What a SKU is (its goods type) and who ships it (its fulfillment mode)."""

from __future__ import annotations

import enum

import attrs

from merx.kernel.errors import ValidationError
from merx.kernel.ids import PLATFORM, MerchantId, SupplierId


class GoodsType(enum.Enum):
    """What a SKU is, and so what its order needs."""

    PHYSICAL = "physical"
    VIRTUAL_TOPUP = "virtual_topup"  # phone bill, video membership, game card

    @property
    def requires_address(self) -> bool:
        """A physical good is delivered to an address."""
        return self is GoodsType.PHYSICAL

    @property
    def requires_account(self) -> bool:
        """A top-up is credited to an account number (a phone number, a game id)."""
        return self is GoodsType.VIRTUAL_TOPUP

    @property
    def tracks_stock(self) -> bool:
        """Virtual goods are bought from the supplier at fulfillment: no stock is kept."""
        return self is GoodsType.PHYSICAL


class FulfillmentMode(enum.Enum):
    """Who ships the goods."""

    WAREHOUSE = "warehouse"  # the platform's stock, from its own warehouse
    CONSIGNMENT = "consignment"  # the platform sells, the supplier ships
    MERCHANT = "merchant"  # a marketplace merchant sells and ships
    REAL_TIME_SUPPLIER = (
        "real_time_supplier"  # virtual goods bought from the supplier at fulfillment
    )

    @property
    def needs_supplier(self) -> bool:
        return self in (FulfillmentMode.CONSIGNMENT, FulfillmentMode.REAL_TIME_SUPPLIER)


@attrs.frozen
class Fulfillment:
    """A fulfillment mode, with the supplier for the modes where a supplier ships."""

    mode: FulfillmentMode
    supplier: SupplierId | None = None

    def __attrs_post_init__(self) -> None:
        if self.mode.needs_supplier and not (self.supplier and self.supplier.strip()):
            raise ValidationError(f"{self.mode.value} fulfillment needs a supplier id")
        if not self.mode.needs_supplier and self.supplier is not None:
            raise ValidationError(
                f"{self.mode.value} fulfillment takes no supplier, got {self.supplier!r}"
            )

    @classmethod
    def warehouse(cls) -> Fulfillment:
        return cls(FulfillmentMode.WAREHOUSE)

    @classmethod
    def consignment(cls, supplier: SupplierId) -> Fulfillment:
        return cls(FulfillmentMode.CONSIGNMENT, supplier)

    @classmethod
    def merchant(cls) -> Fulfillment:
        return cls(FulfillmentMode.MERCHANT)

    @classmethod
    def real_time_supplier(cls, supplier: SupplierId) -> Fulfillment:
        return cls(FulfillmentMode.REAL_TIME_SUPPLIER, supplier)

    @classmethod
    def default_for(cls, merchant: MerchantId) -> Fulfillment:
        """The platform ships its own goods from its warehouse; a merchant ships its own."""
        return cls.warehouse() if merchant == PLATFORM else cls.merchant()
