"""The data context's errors, each under one of :mod:`merx.errors`' families."""

from __future__ import annotations

from merx.kernel.errors import CurrencyMismatch, ValidationError


class InvalidFact(ValidationError):
    """A fact that cannot be stored: a naive time, a negative unit count, an amount
    without its currency, a kind or dimension that is empty where it must not be."""


class UnknownMetric(ValidationError):
    """A metric name that :data:`merx.data.METRICS` does not define."""


class InvalidWindow(ValidationError):
    """A metric query's window is wrong: naive or reversed times, an unknown grain, a
    dimension to break down by that facts do not carry."""


class MixedCurrencies(CurrencyMismatch):
    """A money metric met facts in more than one currency in one bucket and breakdown."""
