"""In-memory :class:`~merx.reach.ports.Messenger`: what it delivered, for a test to read.

An SMS's recipient is the vault token of the phone: the adapter reveals the number
through the vault (:meth:`merx.people.Vault.reveal`) as a provider's adapter would, and
keeps it in :attr:`DeliveredMessage.recipient` (the only place it is in clear, outside the
vault). Each touch is delivered once (a repeat answers the first message id).
:meth:`MemoryMessenger.fail_next` makes the next deliveries raise
:class:`~merx.notifications.NotifierUnavailable` without sending.
"""

from __future__ import annotations

import attrs

from merx.kernel.errors import ValidationError
from merx.kernel.ids import CustomerId
from merx.notifications import NotifierUnavailable
from merx.people import Vault
from merx.reach import OutgoingMessage, ReachChannel


@attrs.frozen
class DeliveredMessage:
    """One message handed to a provider."""

    message_id: str
    touch_id: str
    channel: ReachChannel
    customer_id: CustomerId
    recipient: str = attrs.field(repr=False)
    body: str = attrs.field(repr=False)


class MemoryMessenger:
    """SMS, push and email in memory (see the module docstring)."""

    def __init__(self, vault: Vault) -> None:
        self._vault = vault
        self._by_touch: dict[str, str] = {}
        self._failures = 0
        #: every message delivered, oldest first
        self.delivered: list[DeliveredMessage] = []

    def deliver(self, message: OutgoingMessage) -> str:
        known = self._by_touch.get(message.touch_id)
        if known is not None:
            return known
        if message.channel is ReachChannel.INBOX:
            raise ValidationError("the in-app inbox is merx's own: nothing to deliver")
        if self._failures:
            self._failures -= 1
            raise NotifierUnavailable(
                f"delivering touch {message.touch_id!r} on {message.channel.value} failed"
            )
        recipient = message.recipient
        if message.channel is ReachChannel.SMS:
            recipient = self._vault.reveal(message.recipient)
        message_id = f"rm-{len(self.delivered) + 1:06d}"
        self.delivered.append(
            DeliveredMessage(
                message_id,
                message.touch_id,
                message.channel,
                message.customer_id,
                recipient,
                message.body,
            )
        )
        self._by_touch[message.touch_id] = message_id
        return message_id

    def fail_next(self, n: int = 1) -> None:
        """The next ``n`` deliveries raise :class:`NotifierUnavailable`."""
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValidationError(f"number of failures must be a whole number >= 1, not {n!r}")
        self._failures += n

    def to(self, customer_id: str) -> list[DeliveredMessage]:
        return [d for d in self.delivered if d.customer_id == customer_id]
