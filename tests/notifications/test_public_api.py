"""merx.notifications's public API, pinned: a name added or dropped is a visible decision."""

from __future__ import annotations

from merx import notifications

PUBLIC = [
    "CHANNELS",
    "Notifier",
    "NotifierUnavailable",
    "UnsupportedNotificationChannel",
]


def test_the_public_api_is_exactly_these_names() -> None:
    assert sorted(notifications.__all__) == PUBLIC
    assert len(PUBLIC) <= 60
    for name in PUBLIC:
        assert getattr(notifications, name) is not None
