"""Customers: identity facts the golden process needs, and the address book."""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from merx.customers.errors import UnknownAddress
from merx.kernel.aggregate import Aggregate, flat_field
from merx.kernel.errors import ValidationError
from merx.kernel.events import DomainEvent
from merx.kernel.ids import CustomerId, OrderId, SkuId
from merx.kernel.vault import PERSONAL, PersonalKind, Sealed


@attrs.frozen
class Address:
    """A delivery address. ``region`` is what warehouses' delivery ranges match on.

    ``phone`` is personal data: clear in the :class:`~merx.customers.AddAddress` a host
    sends, :class:`~merx.kernel.vault.Sealed` (the vault's token and ``138****0000``) in
    the address book and in every order's ``ship_to`` copied from it. A carrier adapter
    that needs the number reveals it at the vault (``vault.reveal(phone.token)``)."""

    recipient: str
    # personal(PersonalKind.PHONE) spelt out: mypy's attrs plugin sees only attrs.field
    phone: str | Sealed = attrs.field(repr=False, metadata={PERSONAL: PersonalKind.PHONE})
    region: str
    line: str
    postal_code: str = ""

    def __attrs_post_init__(self) -> None:
        for name in ("recipient", "phone", "region", "line"):
            value = getattr(self, name)
            if isinstance(value, str) and not value.strip():
                raise ValidationError(f"address {name} must not be empty")

    def sealed_with(self, phone: Sealed) -> Address:
        """This address with its phone sealed."""
        return attrs.evolve(self, phone=phone)

    def one_line(self) -> str:
        return f"{self.recipient}, {self.line}, {self.region} {self.postal_code}".strip()


@attrs.frozen
class CustomerRegistered(DomainEvent):
    customer_id: CustomerId


@attrs.frozen
class AddressAdded(DomainEvent):
    customer_id: CustomerId
    label: str


@attrs.frozen
class CustomerVerified(DomainEvent):
    customer_id: CustomerId


@attrs.frozen
class FirstOrderCompleted(DomainEvent):
    """The customer's first order completed: no longer a new user (new-user-only SKUs and
    promotions stop applying)."""

    customer_id: CustomerId
    order_id: OrderId


@attrs.define(kw_only=True)
class Customer(Aggregate):
    """A registered shopper. ``new_user`` stays true until a first order completes;
    ``verified`` once the host has checked the customer's identity (and age).

    ``limited_purchases`` counts, per parent order still standing, the units of SKUs that
    carry a per-customer purchase limit; they are what :meth:`units_bought` adds up and
    what a cancelled order gives back.
    """

    id: CustomerId
    name: str
    #: the contact phone, sealed (the vault's token and its mask)
    phone: Sealed = attrs.field(repr=False)
    new_user: bool = True
    verified: bool = False
    addresses: dict[str, Address] = attrs.field(factory=dict)
    default_address: str | None = None
    limited_purchases: dict[OrderId, tuple[tuple[SkuId, int], ...]] = flat_field(dict)

    @staticmethod
    def check_contact(customer_id: CustomerId, name: str, phone: str) -> None:
        """Refuse an empty name or phone (before the phone is sealed)."""
        if not name.strip() or not phone.strip():
            raise ValidationError(f"customer {customer_id!r} needs a name and a phone")

    @classmethod
    def register(cls, *, customer_id: CustomerId, name: str, phone: Sealed) -> Customer:
        if not name.strip():
            raise ValidationError(f"customer {customer_id!r} needs a name and a phone")
        customer = cls(id=customer_id, name=name, phone=phone)
        customer.record(CustomerRegistered(customer_id))
        return customer

    @staticmethod
    def check_label(label: str) -> None:
        if not label.strip():
            raise ValidationError("an address needs a label")

    def add_address(self, label: str, address: Address, *, default: bool = False) -> None:
        """Add (or replace) the address ``label``."""
        self.check_label(label)
        self.addresses[label] = address
        if default or self.default_address is None:
            self.default_address = label
        self.record(AddressAdded(self.id, label))

    def address(self, label: str | None = None) -> Address:
        """The address called ``label``, or the default one."""
        key = label if label is not None else self.default_address
        if key is None or key not in self.addresses:
            raise UnknownAddress(f"customer {self.id!r} has no address {key!r}")
        return self.addresses[key]

    def order_completed(self, order_id: OrderId) -> None:
        """One of the customer's orders completed; the first one ends ``new_user``."""
        if self.new_user:
            self.new_user = False
            self.record(FirstOrderCompleted(self.id, order_id))

    def verify(self) -> None:
        """The host has verified the customer's identity (idempotent)."""
        if not self.verified:
            self.verified = True
            self.record(CustomerVerified(self.id))

    def units_bought(self, sku: SkuId) -> int:
        """Units of ``sku`` on this customer's standing orders (limited SKUs only)."""
        return sum(
            units
            for lines in self.limited_purchases.values()
            for bought, units in lines
            if bought == sku
        )

    def count_purchases(self, parent_id: OrderId, units: Mapping[SkuId, int]) -> None:
        """Count ``units`` of limited SKUs toward their limits, under ``parent_id``."""
        if units:
            self.limited_purchases[parent_id] = tuple(sorted(units.items()))

    def release_purchases(self, parent_id: OrderId) -> bool:
        """Give back what ``parent_id`` counted (it was cancelled); whether it counted any."""
        return self.limited_purchases.pop(parent_id, None) is not None
