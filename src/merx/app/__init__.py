"""Composition root: wire every context's use cases to adapters.

``build_memory_app()`` returns a ready, fully in-memory merx: the message bus with every
command registered, a steppable clock, sequential ids, an event log, one in-memory
gateway per payment channel and an in-memory logistics network. Hosts with real
infrastructure write their own root the same way, reusing the ``register_*`` functions
(:mod:`merx.app.wiring`) with their adapters.
"""

from merx.app.core import DEFAULT_CHANNELS, App, Queries, Settings, VirtualSuppliers
from merx.app.memory import MemoryApp, build_memory_app
from merx.app.monitoring import register_monitoring
from merx.app.stores import StoredApp, build_app, build_postgres_app, build_sqlite_app
from merx.app.wiring import (
    register_aftersales,
    register_cashier,
    register_catalog,
    register_clearing,
    register_credit,
    register_experiments,
    register_fulfillment,
    register_funding,
    register_installments,
    register_merchants,
    register_procurement,
    register_promotions,
    register_settlement,
    register_shop,
    register_suppliers,
    register_tags,
)

__all__ = [
    "DEFAULT_CHANNELS",
    "App",
    "MemoryApp",
    "Queries",
    "Settings",
    "StoredApp",
    "VirtualSuppliers",
    "build_app",
    "build_memory_app",
    "build_postgres_app",
    "build_sqlite_app",
    "register_aftersales",
    "register_cashier",
    "register_catalog",
    "register_clearing",
    "register_credit",
    "register_experiments",
    "register_fulfillment",
    "register_funding",
    "register_installments",
    "register_merchants",
    "register_monitoring",
    "register_procurement",
    "register_promotions",
    "register_settlement",
    "register_shop",
    "register_suppliers",
    "register_tags",
]
