"""merx.customers: who buys, and where goods go. The command handlers are in
``merx.customers.services`` (for the composition root)."""

from merx.customers.errors import UnknownAddress
from merx.customers.model import (
    Address,
    AddressAdded,
    Customer,
    CustomerRegistered,
    CustomerVerified,
    FirstOrderCompleted,
)
from merx.customers.services import AddAddress, RegisterCustomer, VerifyCustomer

__all__ = [
    "AddAddress",
    "Address",
    "AddressAdded",
    "Customer",
    "CustomerRegistered",
    "CustomerVerified",
    "FirstOrderCompleted",
    "RegisterCustomer",
    "UnknownAddress",
    "VerifyCustomer",
]
