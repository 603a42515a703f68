"""Ports of the reach context: the channels messages leave through.

:meth:`Messenger.deliver` is idempotent on the message's ``touch_id``: the same touch
answers the first message id and sends once. ``recipient`` is what the channel needs to
address the user: for SMS the vault token of the phone (the adapter reveals the number
through the vault, the only place it is ever in clear), for push and email the customer
id (the host's provider knows the device and the address).
"""

from __future__ import annotations

from typing import Protocol

import attrs

from merx.kernel.ids import CustomerId
from merx.reach.model import ReachChannel


@attrs.frozen
class OutgoingMessage:
    """One rendered message: ``body`` holds no personal value but the masked name."""

    touch_id: str
    channel: ReachChannel
    customer_id: CustomerId
    recipient: str = attrs.field(repr=False)
    body: str = attrs.field(repr=False)


class Messenger(Protocol):
    """Port: SMS, push and email providers (the in-app inbox is merx's own aggregate)."""

    def deliver(self, message: OutgoingMessage) -> str:
        """Send ``message``; answer the provider's message id. Raises
        :class:`merx.notifications.NotifierUnavailable` when the provider cannot be
        reached (nothing sent)."""
        ...
