"""merx.customers: who buys, and where goods go."""

from merx.customers.model import (
    Address,
    AddressAdded,
    Customer,
    CustomerRegistered,
    CustomerVerified,
)
from merx.customers.services import (
    AddAddress,
    RegisterCustomer,
    VerifyCustomer,
    add_address,
    register_customer,
    verify_customer,
)

__all__ = [
    "AddAddress",
    "Address",
    "AddressAdded",
    "Customer",
    "CustomerRegistered",
    "CustomerVerified",
    "RegisterCustomer",
    "VerifyCustomer",
    "add_address",
    "register_customer",
    "verify_customer",
]
