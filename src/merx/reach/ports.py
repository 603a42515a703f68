"""Ports of the reach context: the channels messages leave through, and the questions
the report, the attribution and the due run of held messages ask a store
(:class:`ReachQueries`, with the index entries a database keeps to answer them).

:meth:`Messenger.deliver` is idempotent on the message's ``touch_id``: the same touch
answers the first message id and sends once. ``recipient`` is what the channel needs to
address the user: for SMS the vault token of the phone (the adapter reveals the number
through the vault, the only place it is ever in clear), for push and email the customer
id (the host's provider knows the device and the address).
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

import attrs

from merx.kernel.documents import index_instant
from merx.kernel.ids import CustomerId
from merx.reach.held import HeldMessage
from merx.reach.model import ReachChannel, Touch


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


class ReachQueries(Protocol):
    """Port: touches and held messages by what the report, the attribution and the due
    run ask, from committed state (a database's indexes, never a scan of every touch)."""

    def touches_of_campaign(self, campaign_id: str) -> list[str]:
        """The ids of the campaign's touches."""
        ...

    def touches_of_customer(self, customer_id: CustomerId) -> list[str]:
        """The ids of the touches sent to the customer."""
        ...

    def held_due(self, by: datetime, limit: int) -> list[str]:
        """At most ``limit`` ids of messages still held whose quiet hours end by ``by``,
        earliest due first."""
        ...

    def held_of_campaign(self, campaign_id: str) -> list[str]:
        """The ids of the campaign's held messages, whatever became of them."""
        ...


# -- what a database indexes to answer ReachQueries --------------------------------------

#: A touch by its campaign, and by its customer.
TOUCH_CAMPAIGN = "touch_campaign"
TOUCH_CUSTOMER = "touch_customer"
#: A held message still waiting, by the instant it falls due; any, by its campaign.
HELD_DUE = "held_due"
HELD_CAMPAIGN = "held_campaign"


def touch_index(touch: Touch) -> dict[str, str | None]:
    return {TOUCH_CAMPAIGN: touch.campaign_id, TOUCH_CUSTOMER: touch.customer_id}


def held_message_index(held: HeldMessage) -> dict[str, str | None]:
    due = index_instant(held.due_at) if held.waiting else None
    return {HELD_DUE: due, HELD_CAMPAIGN: held.campaign_id}
