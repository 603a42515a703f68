"""The notifications context's errors, each under one family of :mod:`merx.errors`; the
:class:`~merx.notifications.Notifier` port's adapters raise them."""

from __future__ import annotations

from merx.kernel.errors import ExternalUnavailable, ValidationError


class NotifierUnavailable(ExternalUnavailable):
    """The message provider could not be reached: nothing was sent; retry with the same key."""


class UnsupportedNotificationChannel(ValidationError):
    """The notifier cannot reach users through this channel."""
