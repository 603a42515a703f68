"""Composition root: wire every context's use cases to adapters.

``build_memory_app()`` returns a ready, fully in-memory merx: the message bus with every
command registered, a steppable clock, sequential ids, an event log, one in-memory
gateway per payment channel and an in-memory logistics network. Hosts with real
infrastructure write their own root the same way, reusing the ``register_*`` functions
(:mod:`merx.app.wiring`) with their adapters.
"""

from merx.app.memory import DEFAULT_CHANNELS, MemoryApp, VirtualSuppliers, build_memory_app
from merx.app.wiring import (
    register_aftersales,
    register_cashier,
    register_catalog,
    register_clearing,
    register_credit,
    register_fulfillment,
    register_funding,
    register_installments,
    register_merchants,
    register_procurement,
    register_promotions,
    register_settlement,
    register_shop,
    register_suppliers,
)

__all__ = [
    "DEFAULT_CHANNELS",
    "MemoryApp",
    "VirtualSuppliers",
    "build_memory_app",
    "register_aftersales",
    "register_cashier",
    "register_catalog",
    "register_clearing",
    "register_credit",
    "register_fulfillment",
    "register_funding",
    "register_installments",
    "register_merchants",
    "register_procurement",
    "register_promotions",
    "register_settlement",
    "register_shop",
    "register_suppliers",
]
