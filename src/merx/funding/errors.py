"""Every error of the funding context, each under a family of :mod:`merx.kernel.errors`."""

from __future__ import annotations

from merx.kernel.errors import AlreadyExists, BusinessRuleViolation, NotFound, OutcomeUnknown


class QuotaExhausted(BusinessRuleViolation):
    """An investor's quota does not cover the asset."""


class FunderTimeout(OutcomeUnknown):
    """The funder did not answer in time: it may or may not have financed the asset."""


class AssetAlreadyFinanced(AlreadyExists):
    """The funder already finances this asset (under another idempotency key)."""


class AssetNotFinanced(NotFound):
    """The funder does not finance this asset."""
