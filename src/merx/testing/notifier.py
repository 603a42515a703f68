"""The contract of the ``Notifier`` port (:mod:`merx.notifications.ports`).

Run it against an adapter by subclassing :class:`NotifierContract` and providing the
fixture ``make_notifier``: a :class:`NotifierFactory` answering a fresh adapter with the test
hooks of :class:`ScriptableNotifier`::

    class TestSmsProvider(NotifierContract):
        @pytest.fixture
        def make_notifier(self) -> NotifierFactory:
            return lambda: SmsSandboxNotifier(sandbox_credentials())

Law: whatever the failures and retries, each idempotency key sends at most one message,
and a replay answers the first message id.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

import pytest
from hypothesis import given
from hypothesis import strategies as st

from merx.kernel.errors import IdempotencyConflict, ValidationError
from merx.notifications import NotifierUnavailable, UnsupportedNotificationChannel
from merx.notifications.ports import Notifier


class Sent(Protocol):
    """One message the notifier sent, as the test hooks report it."""

    @property
    def message_id(self) -> str: ...

    @property
    def recipient(self) -> str: ...

    @property
    def channel(self) -> str: ...

    @property
    def template(self) -> str: ...

    @property
    def params(self) -> Mapping[str, str]: ...

    @property
    def idempotency_key(self) -> str: ...


class ScriptableNotifier(Notifier, Protocol):
    """The port plus the test hooks the contract needs."""

    @property
    def outbox(self) -> Sequence[Sent]:
        """Every message sent, in order."""
        ...

    def fail_next(self, n: int = 1) -> None: ...


#: What the host's ``make_notifier`` fixture answers: a fresh notifier.
NotifierFactory = Callable[[], ScriptableNotifier]


def shipped(
    notifier: Notifier, key: str = "k1", params: dict[str, str] | None = None, channel: str = "sms"
) -> str:
    return notifier.send(
        recipient="13800138000",
        channel=channel,
        template="order_shipped",
        params={"order": "ord-1", "tracking": "zto-1"} if params is None else params,
        idempotency_key=key,
    )


class NotifierContract:
    """The contract of a ``Notifier`` adapter (see the module docstring). Subclass it
    under a name pytest collects and provide the fixture ``make_notifier`` (a
    :class:`NotifierFactory`)."""

    @pytest.fixture
    def notifier(self, make_notifier: NotifierFactory) -> ScriptableNotifier:
        return make_notifier()

    def test_a_message_is_sent_and_kept(self, notifier: ScriptableNotifier) -> None:
        message_id = shipped(notifier)

        assert message_id
        [sent] = notifier.outbox
        assert sent.message_id == message_id
        assert sent.recipient == "13800138000"
        assert sent.channel == "sms"
        assert sent.template == "order_shipped"
        assert dict(sent.params) == {"order": "ord-1", "tracking": "zto-1"}

    @pytest.mark.parametrize("channel", ["sms", "push", "email"])
    def test_every_channel_reaches_users(self, notifier: ScriptableNotifier, channel: str) -> None:
        shipped(notifier, channel=channel)

        assert [m.channel for m in notifier.outbox] == [channel]

    def test_a_replayed_send_sends_once(self, notifier: ScriptableNotifier) -> None:
        first = shipped(notifier)

        assert shipped(notifier, params={"tracking": "zto-1", "order": "ord-1"}) == first
        assert len(notifier.outbox) == 1

    def test_a_key_reused_with_another_payload_is_a_conflict(
        self, notifier: ScriptableNotifier
    ) -> None:
        shipped(notifier)

        with pytest.raises(IdempotencyConflict):
            shipped(notifier, params={"order": "ord-2"})
        with pytest.raises(IdempotencyConflict):
            shipped(notifier, channel="push")
        assert len(notifier.outbox) == 1

    def test_unsupported_channels_are_refused(self, notifier: ScriptableNotifier) -> None:
        with pytest.raises(UnsupportedNotificationChannel):
            shipped(notifier, channel="carrier_pigeon")
        with pytest.raises(ValidationError):
            shipped(notifier, channel="fax")
        assert list(notifier.outbox) == []

    def test_an_unavailable_provider_sends_nothing_and_the_retry_sends(
        self,
        notifier: ScriptableNotifier,
    ) -> None:
        notifier.fail_next()

        with pytest.raises(NotifierUnavailable):
            shipped(notifier)

        assert list(notifier.outbox) == []
        message_id = shipped(notifier)
        assert [m.message_id for m in notifier.outbox] == [message_id]

    def test_each_key_sends_at_most_one_message(self, make_notifier: NotifierFactory) -> None:
        @given(
            sends=st.lists(
                st.tuples(st.integers(0, 4), st.booleans(), st.sampled_from(["sms", "push"])),
                max_size=25,
            )
        )
        def check(sends: list[tuple[int, bool, str]]) -> None:
            notifier = make_notifier()
            answered: dict[str, str] = {}
            channel_of: dict[str, str] = {}
            for number, fails, first_channel in sends:
                key = f"k{number}"
                channel = channel_of.setdefault(key, first_channel)  # a retry repeats its payload
                if fails:
                    notifier.fail_next()
                try:
                    message_id = shipped(notifier, key, channel=channel)
                except NotifierUnavailable:
                    continue
                assert answered.setdefault(key, message_id) == message_id
            keys = [m.idempotency_key for m in notifier.outbox]
            assert len(keys) == len(set(keys))
            assert {m.idempotency_key: m.message_id for m in notifier.outbox} == answered

        check()
