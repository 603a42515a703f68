"""Customers: identity facts the golden process needs, and the address book."""

from __future__ import annotations

import attrs

from merx.kernel.aggregate import Aggregate
from merx.kernel.errors import NotFound, ValidationError
from merx.kernel.events import DomainEvent
from merx.kernel.ids import CustomerId


@attrs.frozen
class Address:
    """A delivery address. ``region`` is what warehouses' delivery ranges match on."""

    recipient: str
    phone: str
    region: str
    line: str
    postal_code: str = ""

    def __attrs_post_init__(self) -> None:
        for name in ("recipient", "phone", "region", "line"):
            if not getattr(self, name).strip():
                raise ValidationError(f"address {name} must not be empty")

    def one_line(self) -> str:
        return f"{self.recipient}, {self.line}, {self.region} {self.postal_code}".strip()


@attrs.frozen
class CustomerRegistered(DomainEvent):
    customer_id: CustomerId


@attrs.frozen
class AddressAdded(DomainEvent):
    customer_id: CustomerId
    label: str


@attrs.define(kw_only=True)
class Customer(Aggregate):
    """A registered shopper. ``new_user`` stays true until a first order completes."""

    id: CustomerId
    name: str
    phone: str
    new_user: bool = True
    addresses: dict[str, Address] = attrs.field(factory=dict)
    default_address: str | None = None

    @classmethod
    def register(cls, *, customer_id: CustomerId, name: str, phone: str) -> Customer:
        if not name.strip() or not phone.strip():
            raise ValidationError(f"customer {customer_id!r} needs a name and a phone")
        customer = cls(id=customer_id, name=name, phone=phone)
        customer.record(CustomerRegistered(customer_id))
        return customer

    def add_address(self, label: str, address: Address, *, default: bool = False) -> None:
        if not label.strip():
            raise ValidationError("an address needs a label")
        self.addresses[label] = address
        if default or self.default_address is None:
            self.default_address = label
        self.record(AddressAdded(self.id, label))

    def address(self, label: str | None = None) -> Address:
        """The address called ``label``, or the default one."""
        key = label if label is not None else self.default_address
        if key is None or key not in self.addresses:
            raise NotFound(f"customer {self.id!r} has no address {key!r}")
        return self.addresses[key]

    def first_order_completed(self) -> None:
        self.new_user = False
