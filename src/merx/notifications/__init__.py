"""merx.notifications: reaching users by SMS, push or email; today the ``Notifier`` port."""

from merx.notifications.errors import NotifierUnavailable, UnsupportedNotificationChannel
from merx.notifications.ports import CHANNELS, Notifier

__all__ = [
    "CHANNELS",
    "Notifier",
    "NotifierUnavailable",
    "UnsupportedNotificationChannel",
]
