"""What a SKU is (its goods type) and who ships it (its fulfilment mode)."""

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
        """Virtual goods are bought from the supplier at fulfilment: no stock is kept."""
        return self is GoodsType.PHYSICAL


class FulfilmentMode(enum.Enum):
    """Who ships the goods."""

    WAREHOUSE = "warehouse"  # the platform's stock, from its own warehouse
    CONSIGNMENT = "consignment"  # the platform sells, the supplier ships
    MERCHANT = "merchant"  # a marketplace merchant sells and ships
    REAL_TIME_SUPPLIER = (
        "real_time_supplier"  # virtual goods bought from the supplier at fulfilment
    )

    @property
    def needs_supplier(self) -> bool:
        return self in (FulfilmentMode.CONSIGNMENT, FulfilmentMode.REAL_TIME_SUPPLIER)


@attrs.frozen
class Fulfilment:
    """A fulfilment mode, with the supplier for the modes where a supplier ships."""

    mode: FulfilmentMode
    supplier: SupplierId | None = None

    def __attrs_post_init__(self) -> None:
        if self.mode.needs_supplier and not (self.supplier and self.supplier.strip()):
            raise ValidationError(f"{self.mode.value} fulfilment needs a supplier id")
        if not self.mode.needs_supplier and self.supplier is not None:
            raise ValidationError(
                f"{self.mode.value} fulfilment takes no supplier, got {self.supplier!r}"
            )

    @classmethod
    def warehouse(cls) -> Fulfilment:
        return cls(FulfilmentMode.WAREHOUSE)

    @classmethod
    def consignment(cls, supplier: SupplierId) -> Fulfilment:
        return cls(FulfilmentMode.CONSIGNMENT, supplier)

    @classmethod
    def merchant(cls) -> Fulfilment:
        return cls(FulfilmentMode.MERCHANT)

    @classmethod
    def real_time_supplier(cls, supplier: SupplierId) -> Fulfilment:
        return cls(FulfilmentMode.REAL_TIME_SUPPLIER, supplier)

    @classmethod
    def default_for(cls, merchant: MerchantId) -> Fulfilment:
        """The platform ships its own goods from its warehouse; a merchant ships its own."""
        return cls.warehouse() if merchant == PLATFORM else cls.merchant()
