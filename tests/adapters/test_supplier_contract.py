"""The ``VirtualGoodsSupplier`` contract (:mod:`merx.testing.supplier`) run against the
in-memory adapter."""

from __future__ import annotations

import pytest

from merx.adapters.memory import MemoryVirtualGoodsSupplier
from merx.testing.supplier import SupplierFactory, VirtualGoodsSupplierContract


class TestMemoryVirtualGoodsSupplier(VirtualGoodsSupplierContract):
    @pytest.fixture
    def make_supplier(self) -> SupplierFactory:
        return MemoryVirtualGoodsSupplier
