"""Customer use cases."""

from __future__ import annotations

import attrs

from merx.customers.model import Address, Customer
from merx.kernel.bus import Command
from merx.kernel.ids import CustomerId
from merx.kernel.uow import UnitOfWork


@attrs.frozen
class RegisterCustomer(Command[CustomerId]):
    customer_id: CustomerId
    name: str
    phone: str = attrs.field(repr=False)


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


def register_customer(cmd: RegisterCustomer, uow: UnitOfWork) -> CustomerId:
    customer = Customer.register(customer_id=cmd.customer_id, name=cmd.name, phone=cmd.phone)
    uow.repo(Customer).add(customer)
    uow.commit()
    return customer.id


def add_address(cmd: AddAddress, uow: UnitOfWork) -> None:
    customer = uow.repo(Customer).get(cmd.customer_id)
    customer.add_address(cmd.label, cmd.address, default=cmd.default)
    uow.repo(Customer).save(customer)
    uow.commit()


def verify_customer(cmd: VerifyCustomer, uow: UnitOfWork) -> None:
    customer = uow.repo(Customer).get(cmd.customer_id)
    customer.verify()
    uow.repo(Customer).save(customer)
    uow.commit()
