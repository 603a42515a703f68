"""The port of the people context: the vault personal values are kept in.

The port itself (:class:`Vault`, :class:`PersonalKind`) lives in :mod:`merx.kernel.vault`,
because customers, orders, fulfillment and credit seal values too; this module names it for
the people context.
"""

from __future__ import annotations

from merx.kernel.vault import PersonalKind, Vault

__all__ = ["PersonalKind", "Vault"]
