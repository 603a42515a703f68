"""In-memory :class:`~merx.notifications.ports.Notifier`: an outbox a test can read.

Every message sent is appended to :attr:`MemoryNotifier.outbox`, once per idempotency key.
:meth:`MemoryNotifier.fail_next` makes the next sends raise
:class:`~merx.notifications.ports.NotifierUnavailable` without sending.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType

import attrs

from merx.kernel.errors import ValidationError
from merx.kernel.idempotency import IdempotencyLog
from merx.kernel.validation import require_text
from merx.notifications import CHANNELS, NotifierUnavailable, UnsupportedNotificationChannel


def _frozen_params(params: Mapping[str, str]) -> Mapping[str, str]:
    return MappingProxyType(dict(params))


@attrs.frozen
class SentMessage:
    """One message in the outbox."""

    message_id: str
    recipient: str
    channel: str
    template: str
    params: Mapping[str, str] = attrs.field(converter=_frozen_params)
    idempotency_key: str


class MemoryNotifier:
    """A notifier that keeps what it sends (see the module docstring)."""

    def __init__(self, channels: Iterable[str] = CHANNELS) -> None:
        self._channels = tuple(channels)
        self._log: IdempotencyLog[str] = IdempotencyLog()
        self._failures = 0
        self._sequence = 0
        #: Messages sent, oldest first.
        self.outbox: list[SentMessage] = []

    def send(
        self,
        *,
        recipient: str,
        channel: str,
        template: str,
        params: Mapping[str, str],
        idempotency_key: str,
    ) -> str:
        require_text(idempotency_key, "idempotency key")
        for name, value in params.items():
            if not isinstance(name, str) or not isinstance(value, str):
                raise ValidationError(
                    f"template parameters must be str -> str, not {name!r}: {value!r}"
                )
        payload = (recipient, channel, template, tuple(sorted(params.items())))
        replayed = self._log.replay(idempotency_key, payload)
        if replayed is not None:
            return replayed
        require_text(recipient, "recipient")
        require_text(template, "template")
        if channel not in self._channels:
            raise UnsupportedNotificationChannel(
                f"cannot send on channel {channel!r}; supported: {', '.join(self._channels)}"
            )
        if self._failures:
            self._failures -= 1
            raise NotifierUnavailable(
                f"sending {template!r} to {recipient!r} on {channel} failed: provider unavailable"
            )
        self._sequence += 1
        message_id = f"msg-{self._sequence:06d}"
        self.outbox.append(
            SentMessage(message_id, recipient, channel, template, params, idempotency_key)
        )
        self._log.remember(idempotency_key, payload, message_id)
        return message_id

    # -- test hooks --------------------------------------------------------------------

    def fail_next(self, n: int = 1) -> None:
        """The next ``n`` sends raise :class:`NotifierUnavailable` and send nothing."""
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValidationError(f"number of failures must be a whole number >= 1, not {n!r}")
        self._failures += n

    def sent_to(self, recipient: str) -> list[SentMessage]:
        """The messages sent to ``recipient``, oldest first."""
        return [message for message in self.outbox if message.recipient == recipient]
