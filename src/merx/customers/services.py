"""Customer use cases.

The contact phone and every address's phone are sealed at the vault before the customer
is saved (:mod:`merx.kernel.vault`): the document keeps the token and the mask. A command
that fails after sealing forgets the token again. A replaced address's phone stays at the
vault: the orders shipped to it hold the same token.
"""

from __future__ import annotations

import attrs

from merx.customers.model import Address, Customer
from merx.kernel.bus import Command
from merx.kernel.ids import CustomerId
from merx.kernel.uow import UnitOfWork
from merx.kernel.vault import PersonalKind, Sealed, Vault, mask_number, personal


@attrs.frozen
class RegisterCustomer(Command[CustomerId]):
    customer_id: CustomerId
    name: str
    phone: str = personal(PersonalKind.PHONE)


@attrs.frozen
class AddAddress(Command[None]):
    customer_id: CustomerId
    label: str
    address: Address
    default: bool = False


@attrs.frozen
class VerifyCustomer(Command[None]):
    """Record that the host verified the customer's identity (and age); SKUs whose sales
    restrictions require verification can then be bought."""

    customer_id: CustomerId


def seal_phone(vault: Vault, phone: str) -> Sealed:
    """``phone`` kept at the vault: its token and mask (a phone of any shape: a landline,
    an extension)."""
    value = phone.strip()
    return Sealed(vault.tokenize(PersonalKind.PHONE, value), mask_number(value))


def register_customer(cmd: RegisterCustomer, uow: UnitOfWork, *, vault: Vault) -> CustomerId:
    Customer.check_contact(cmd.customer_id, cmd.name, cmd.phone)
    phone = seal_phone(vault, cmd.phone)
    try:
        customer = Customer.register(customer_id=cmd.customer_id, name=cmd.name, phone=phone)
        uow.repo(Customer).add(customer)
        uow.commit()
    except BaseException:
        vault.forget(phone.token)
        raise
    return customer.id


def add_address(cmd: AddAddress, uow: UnitOfWork, *, vault: Vault) -> None:
    Customer.check_label(cmd.label)
    customer = uow.repo(Customer).get(cmd.customer_id)
    address = cmd.address
    made = None
    if isinstance(address.phone, str):
        made = seal_phone(vault, address.phone)
        address = address.sealed_with(made)
    try:
        customer.add_address(cmd.label, address, default=cmd.default)
        uow.repo(Customer).save(customer)
        uow.commit()
    except BaseException:
        if made is not None:
            vault.forget(made.token)
        raise


def verify_customer(cmd: VerifyCustomer, uow: UnitOfWork) -> None:
    customer = uow.repo(Customer).get(cmd.customer_id)
    customer.verify()
    uow.repo(Customer).save(customer)
    uow.commit()
