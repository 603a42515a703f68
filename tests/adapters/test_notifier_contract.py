"""Contract of the ``Notifier`` port, run against every adapter in ``ADAPTERS``.

Law: whatever the failures and retries, each idempotency key sends at most one message,
and a replay answers the first message id.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import pytest
from hypothesis import given
from hypothesis import strategies as st

from merx.adapters.memory.notifier import MemoryNotifier, SentMessage
from merx.kernel.errors import IdempotencyConflict, ValidationError
from merx.notifications.errors import NotifierUnavailable, UnsupportedNotificationChannel
from merx.notifications.ports import Notifier


class ScriptableNotifier(Notifier, Protocol):
    """The port plus the test hooks the contract needs."""

    @property
    def outbox(self) -> list[SentMessage]: ...

    def fail_next(self, n: int = 1) -> None: ...


NotifierFactory = Callable[[], ScriptableNotifier]

#: Every adapter of the port: a database or provider-sandbox adapter adds its factory here.
ADAPTERS: dict[str, NotifierFactory] = {"memory": MemoryNotifier}


@pytest.fixture(scope="module", params=list(ADAPTERS.values()), ids=list(ADAPTERS))
def make_notifier(request: pytest.FixtureRequest) -> NotifierFactory:
    factory: NotifierFactory = request.param
    return factory


@pytest.fixture
def notifier(make_notifier: NotifierFactory) -> ScriptableNotifier:
    return make_notifier()


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


def test_a_message_is_sent_and_kept(notifier: ScriptableNotifier) -> None:
    message_id = shipped(notifier)

    assert message_id
    [sent] = notifier.outbox
    assert sent.message_id == message_id
    assert sent.recipient == "13800138000"
    assert sent.channel == "sms"
    assert sent.template == "order_shipped"
    assert dict(sent.params) == {"order": "ord-1", "tracking": "zto-1"}


@pytest.mark.parametrize("channel", ["sms", "push", "email"])
def test_every_channel_reaches_users(notifier: ScriptableNotifier, channel: str) -> None:
    shipped(notifier, channel=channel)

    assert [m.channel for m in notifier.outbox] == [channel]


def test_a_replayed_send_sends_once(notifier: ScriptableNotifier) -> None:
    first = shipped(notifier)

    assert shipped(notifier, params={"tracking": "zto-1", "order": "ord-1"}) == first
    assert len(notifier.outbox) == 1


def test_a_key_reused_with_another_payload_is_a_conflict(notifier: ScriptableNotifier) -> None:
    shipped(notifier)

    with pytest.raises(IdempotencyConflict):
        shipped(notifier, params={"order": "ord-2"})
    with pytest.raises(IdempotencyConflict):
        shipped(notifier, channel="push")
    assert len(notifier.outbox) == 1


def test_unsupported_channels_are_refused(notifier: ScriptableNotifier) -> None:
    with pytest.raises(UnsupportedNotificationChannel):
        shipped(notifier, channel="carrier_pigeon")
    with pytest.raises(ValidationError):
        shipped(notifier, channel="fax")
    assert notifier.outbox == []


def test_an_unavailable_provider_sends_nothing_and_the_retry_sends(
    notifier: ScriptableNotifier,
) -> None:
    notifier.fail_next()

    with pytest.raises(NotifierUnavailable):
        shipped(notifier)

    assert notifier.outbox == []
    message_id = shipped(notifier)
    assert [m.message_id for m in notifier.outbox] == [message_id]


@given(
    sends=st.lists(
        st.tuples(st.integers(0, 4), st.booleans(), st.sampled_from(["sms", "push"])),
        max_size=25,
    )
)
def test_each_key_sends_at_most_one_message(
    make_notifier: NotifierFactory, sends: list[tuple[int, bool, str]]
) -> None:
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
