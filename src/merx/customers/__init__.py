"""merx.customers: who buys, and where goods go."""

from merx.customers.model import Address, AddressAdded, Customer, CustomerRegistered
from merx.customers.services import AddAddress, RegisterCustomer, add_address, register_customer

__all__ = [
    "AddAddress",
    "Address",
    "AddressAdded",
    "Customer",
    "CustomerRegistered",
    "RegisterCustomer",
    "add_address",
    "register_customer",
]
