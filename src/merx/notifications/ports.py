"""Ports of the notifications context: reaching users by SMS, push or email.

:meth:`Notifier.send` is idempotent on its ``idempotency_key``: the same key and payload
answers the first message id and sends once; the same key and a different payload raises
:class:`~merx.kernel.errors.IdempotencyConflict`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final, Protocol

#: The channels merx reaches users through.
CHANNELS: Final = ("sms", "push", "email")


class Notifier(Protocol):
    """Port: send a templated message to a user."""

    def send(
        self,
        *,
        recipient: str,
        channel: str,
        template: str,
        params: Mapping[str, str],
        idempotency_key: str,
    ) -> str:
        """Send ``template`` filled with ``params`` to ``recipient`` on ``channel``
        (``"sms"``, ``"push"``, ``"email"``); answer the message id.

        Raises ``UnsupportedNotificationChannel``, ``NotifierUnavailable``
        (:mod:`merx.notifications.errors`).
        """
        ...
