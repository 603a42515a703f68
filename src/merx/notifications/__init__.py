"""merx.notifications: reaching users by SMS, push or email; today the ``Notifier`` port."""

from merx.notifications.ports import (
    CHANNELS,
    Notifier,
    NotifierUnavailable,
    UnsupportedNotificationChannel,
)

__all__ = [
    "CHANNELS",
    "Notifier",
    "NotifierUnavailable",
    "UnsupportedNotificationChannel",
]
