"""User reach: templates, campaigns (triggers), touches (one message to one user for one
occasion), each user's recent sends (caps, quiet hours), in-app inboxes and the audiences
of merchants' stores. Pure: no I/O, no clock; the services pass the instant.

A touch's id is ``"<campaign>/<occasion>/<customer>"``: the same campaign never reaches a
user twice for the same occasion (the dedupe is the id). Events carry ids, channels and
amounts, never a personal value or a rendered body.
"""

from __future__ import annotations

import enum
import re
import string
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs

from merx.kernel.aggregate import Aggregate, flat_field
from merx.kernel.clock import require_aware
from merx.kernel.errors import ValidationError
from merx.kernel.events import DomainEvent
from merx.kernel.ids import PLATFORM, CustomerId, MerchantId
from merx.kernel.money import Money
from merx.kernel.state import StateMachine
from merx.people import Channel
from merx.reach.errors import (
    CampaignInvalid,
    PersonalValueInTemplate,
    TemplateInvalid,
    TemplateValueInvalid,
    UnknownTemplateVariable,
)

# -- channels ------------------------------------------------------------------------------


class ReachChannel(enum.Enum):
    """Where a message goes: SMS (to the phone, revealed at the adapter), app push, email
    (the host's provider resolves the device or the address from the customer id), or the
    in-app inbox (a merx aggregate the host reads, :class:`Inbox`)."""

    SMS = "sms"
    PUSH = "push"
    EMAIL = "email"
    INBOX = "inbox"

    @property
    def consent(self) -> Channel | None:
        """The people channel whose marketing consent this channel needs (the in-app
        inbox needs none: the user reads it inside the app, and its unread messages are
        not pushed anywhere)."""
        return _CONSENTS[self]


_CONSENTS: Mapping[ReachChannel, Channel | None] = {
    ReachChannel.SMS: Channel.SMS,
    ReachChannel.PUSH: Channel.PUSH,
    ReachChannel.EMAIL: Channel.EMAIL,
    ReachChannel.INBOX: None,
}

# -- templates -----------------------------------------------------------------------------

_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")
_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,79}")
_MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
#: variable names a template may not declare nor name: a channel that needs the number
#: receives it as the recipient, never in the body
PERSONAL_VARIABLES = frozenset(
    {"phone", "mobile", "phone_number", "id_card", "bank_card", "card_number", "name"}
)
#: the variable every template may name without declaring it: the masked name (``张**``)
CUSTOMER_NAME = "customer_name"


class VarType(enum.Enum):
    """A template variable's type; values are given as text and checked against it."""

    STRING = "string"
    NUMBER = "number"
    MONEY = "money"  # "25.00 CNY"
    DATE = "date"  # "2026-12-31"
    COUPON_LINK = "coupon_link"  # "https://..." or "app://..."

    def render(self, variable: str, text: object) -> str:
        """``text`` checked against the type, as it appears in a message."""
        if not isinstance(text, str) or not text.strip():
            raise TemplateValueInvalid(f"variable {variable!r} needs a {self.value} as text")
        try:
            rendered = _RENDER[self](text.strip())
        except (ValueError, InvalidOperation, ValidationError):
            raise TemplateValueInvalid(
                f"variable {variable!r} is a {self.value}; the value given is not one"
            ) from None
        if _MOBILE.search(rendered):
            raise PersonalValueInTemplate(
                f"variable {variable!r} holds what looks like a mobile number"
            )
        return rendered


def _number(text: str) -> str:
    value = Decimal(text)
    if not value.is_finite():
        raise ValueError(text)
    return str(value)


def _money(text: str) -> str:
    amount, currency = text.split()
    return str(Money.of(amount, currency))


def _link(text: str) -> str:
    if not text.startswith(("https://", "app://")) or any(c.isspace() for c in text):
        raise ValueError(text)
    return text


def _string(text: str) -> str:
    if len(text) > 200:
        raise ValueError(text)
    return text


_RENDER = {
    VarType.STRING: _string,
    VarType.NUMBER: _number,
    VarType.MONEY: _money,
    VarType.DATE: lambda text: date.fromisoformat(text).isoformat(),
    VarType.COUPON_LINK: _link,
}


def _placeholders(template_id: str, body: str) -> list[str]:
    try:
        parts = list(string.Formatter().parse(body))
    except ValueError as error:
        raise TemplateInvalid(f"template {template_id!r}: {error}") from None
    names = []
    for _, name, spec, conversion in parts:
        if name is None:
            continue
        if spec or conversion or not _NAME.fullmatch(name):
            raise TemplateInvalid(
                f"template {template_id!r}: {{{name}}} is not a plain variable name"
            )
        names.append(name)
    return names


def require_key(value: object, what: str) -> str:
    """A key (campaign, template, occasion): letters, digits, ``. _ : -``, no ``/``."""
    if not isinstance(value, str) or not _KEY.fullmatch(value):
        raise ValidationError(f"{what} {value!r} must be 1-80 letters, digits, '.', '_', ':', '-'")
    return value


@attrs.frozen
class TemplateSaved(DomainEvent):
    template_id: str
    channel: ReachChannel


@attrs.define(kw_only=True)
class Template(Aggregate):
    """A message body with ``{variable}`` placeholders, each declared with its type.

    Checked when saved: every placeholder is declared (or is :data:`CUSTOMER_NAME`), no
    personal variable is named, braces balance (``{{`` writes a brace)."""

    id: str
    channel: ReachChannel
    body: str
    variables: dict[str, VarType] = attrs.field(factory=dict)

    @classmethod
    def define(
        cls, template_id: str, channel: ReachChannel, body: str, variables: Mapping[str, VarType]
    ) -> Template:
        require_key(template_id, "template id")
        if not isinstance(channel, ReachChannel):
            raise TemplateInvalid(f"template {template_id!r}: {channel!r} is not a channel")
        if not isinstance(body, str) or not body.strip() or len(body) > 2000:
            raise TemplateInvalid(f"template {template_id!r} needs a body of 1-2000 characters")
        for name, kind in variables.items():
            if not isinstance(name, str) or not _NAME.fullmatch(name) or name == CUSTOMER_NAME:
                raise TemplateInvalid(f"template {template_id!r}: bad variable name {name!r}")
            if not isinstance(kind, VarType):
                raise TemplateInvalid(f"template {template_id!r}: {kind!r} is not a VarType")
        for name in [*variables, *_placeholders(template_id, body)]:
            if name in PERSONAL_VARIABLES:
                raise PersonalValueInTemplate(
                    f"template {template_id!r} names {name!r}: personal values never go in "
                    "a message body (the masked customer_name may)"
                )
            if name not in variables and name != CUSTOMER_NAME:
                raise UnknownTemplateVariable(template_id, name)
        template = cls(id=template_id, channel=channel, body=body, variables=dict(variables))
        template.record(TemplateSaved(template_id, channel))
        return template

    def render(self, values: Mapping[str, str], masked_name: str) -> str:
        """The body filled with ``values`` (text, checked against each declared type) and
        the masked name; a value missing, extra or of the wrong type is
        :class:`TemplateValueInvalid`."""
        return self.renderer(values)(masked_name)

    def renderer(self, values: Mapping[str, str]) -> Callable[[str], str]:
        """:meth:`render` with ``values`` checked and rendered once: a function of the
        masked name (what a run over a segment calls per user)."""
        extra = sorted(set(values) - set(self.variables))
        if extra:
            raise TemplateValueInvalid(f"template {self.id!r} declares no {extra}")
        filled = {}
        for name in _placeholders(self.id, self.body):
            if name == CUSTOMER_NAME:
                continue
            if name not in values:
                raise TemplateValueInvalid(f"template {self.id!r} needs a value for {name!r}")
            filled[name] = self.variables[name].render(name, values[name])
        body = self.body
        return lambda masked_name: body.format_map({**filled, CUSTOMER_NAME: masked_name})


# -- policy: caps, quiet hours -------------------------------------------------------------


@attrs.frozen
class Cap:
    """At most ``limit`` messages on ``channel`` to one user in any ``window`` (a rolling
    window: 1 a day is 1 in any 24 hours)."""

    channel: ReachChannel
    limit: int
    window: timedelta

    def __attrs_post_init__(self) -> None:
        if isinstance(self.limit, bool) or not isinstance(self.limit, int) or self.limit < 1:
            raise CampaignInvalid(f"a cap's limit is a whole number >= 1, not {self.limit!r}")
        if self.window <= timedelta(0):
            raise CampaignInvalid(f"a cap's window must be positive, not {self.window}")


@attrs.frozen
class QuietHours:
    """From ``start`` to ``end`` in the user's local time no message is sent (``start``
    after ``end`` spans midnight: 21:00-09:00; equal: no quiet hours)."""

    start: time = time(21)
    end: time = time(9)

    def contains(self, local: time) -> bool:
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def end_after(self, local: datetime) -> datetime:
        """The first end of the quiet hours after ``local`` (an aware local time in them):
        today's end when it is still to come, else tomorrow's, in ``local``'s zone."""
        end = datetime.combine(local.date(), self.end, tzinfo=local.tzinfo)
        if end <= local:
            end = datetime.combine(local.date() + timedelta(days=1), self.end, tzinfo=local.tzinfo)
        return end


@cache
def zone(name: str) -> ZoneInfo:
    """The IANA time zone ``name`` (``CampaignInvalid``-free: a :class:`ValidationError`)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(f"{name!r} is not an IANA time zone") from None


@attrs.frozen
class ReachPolicy:
    """The platform's rules every campaign, the merchants' included, sends within.

    Defaults: SMS 1 a day and 3 a week, push 3 a day, email 2 a week; quiet hours 21:00 to
    09:00 in the user's zone (``default_zone`` for a user who set none); a message due in
    them is held until they end and dropped as no longer relevant when a due run comes
    more than ``held_for`` (3 hours) after that; a touch is credited with what its user
    does within ``attribution_window`` (7 days)."""

    caps: tuple[Cap, ...] = (
        Cap(ReachChannel.SMS, 1, timedelta(days=1)),
        Cap(ReachChannel.SMS, 3, timedelta(days=7)),
        Cap(ReachChannel.PUSH, 3, timedelta(days=1)),
        Cap(ReachChannel.EMAIL, 2, timedelta(days=7)),
    )
    quiet_hours: QuietHours = QuietHours()
    default_zone: str = "Asia/Shanghai"
    attribution_window: timedelta = timedelta(days=7)
    held_for: timedelta = timedelta(hours=3)

    def __attrs_post_init__(self) -> None:
        zone(self.default_zone)
        if self.held_for <= timedelta(0):
            raise CampaignInvalid(f"held_for must be positive, not {self.held_for}")

    @property
    def kept_for(self) -> timedelta:
        """How long a user's sends are kept: the longest cap window or the attribution
        window (older sends can neither cap nor be credited)."""
        return max([self.attribution_window, *(cap.window for cap in self.caps)])


class SkipReason(enum.Enum):
    """Why a user was not reached."""

    DEDUPED = "deduped"  # the campaign reached them for this occasion already
    NOT_IN_SEGMENT = "not_in_segment"  # the campaign's scenario matched no strategy
    OUT_OF_SCOPE = "out_of_scope"  # a merchant's campaign, to a customer not its own
    NO_CONSENT = "no_consent"  # no marketing consent on the channel (or withdrawn)
    NO_ADDRESS = "no_address"  # SMS without a registered phone (or data forgotten)
    QUIET_HOURS = "quiet_hours"  # due in the user's quiet hours: held until they end
    CAPPED = "capped"  # a frequency cap is reached
    CHANNEL_UNAVAILABLE = "channel_unavailable"  # the provider failed; a rerun retries


# -- campaigns -----------------------------------------------------------------------------


class TriggerKind(enum.Enum):
    EVENT = "event"  # one user, on an occasion the host or a subscriber names
    SEGMENT = "segment"  # everyone the scenario matches, run on the host's schedule
    ONCE = "once"  # one run ever: the segment (or everyone reachable), occasion "once"


class CampaignStatus(enum.Enum):
    DRAFT = "draft"
    ACTIVE = "active"
    PAUSED = "paused"
    ENDED = "ended"


CAMPAIGN_FLOW = StateMachine(
    "reach campaign",
    [
        ((CampaignStatus.DRAFT, CampaignStatus.PAUSED), "activate", CampaignStatus.ACTIVE),
        (CampaignStatus.ACTIVE, "send", CampaignStatus.ACTIVE),
        (CampaignStatus.ACTIVE, "pause", CampaignStatus.PAUSED),
        (
            (CampaignStatus.DRAFT, CampaignStatus.ACTIVE, CampaignStatus.PAUSED),
            "end",
            CampaignStatus.ENDED,
        ),
    ],
)

#: the event names merx itself triggers on (the host sends any other occasion)
ORDER_SHIPPED = "order_shipped"


@attrs.frozen
class Trigger:
    """When a campaign reaches users: ``kind``; ``event`` (EVENT: the occasion's name,
    e.g. ``order_shipped``, ``coupon_expiring``); ``scenario`` (a decisions scenario: the
    segment; a user is in it when a strategy matched; optional for EVENT and ONCE) and
    the ``caller`` the scenario permits (embedded access)."""

    kind: TriggerKind
    event: str | None = None
    scenario: str | None = None
    caller: str = "reach"


@attrs.frozen
class CampaignDefined(DomainEvent):
    campaign_id: str
    owner: MerchantId
    channel: ReachChannel


@attrs.frozen
class CampaignMoved(DomainEvent):
    """A campaign was activated, paused or ended (``command``)."""

    campaign_id: str
    command: str


@attrs.frozen
class CampaignRun(DomainEvent):
    campaign_id: str
    occasion: str
    considered: int
    sent: int


@attrs.define(kw_only=True)
class ReachCampaign(Aggregate):
    """What to send, on which channel, when, to whom (see :class:`Trigger`), by whom
    (``owner``: :data:`~merx.kernel.ids.PLATFORM` or a merchant, who reaches only its own
    customers), with fixed ``values`` for the template, a template per experiment
    variation, and caps of its own inside the platform's. Counts what its runs skipped."""

    id: str
    owner: MerchantId
    channel: ReachChannel
    template_id: str
    trigger: Trigger
    values: dict[str, str] = flat_field(dict)
    variation_templates: dict[str, str] = flat_field(dict)
    caps: tuple[Cap, ...] = ()
    status: CampaignStatus = CampaignStatus.DRAFT
    sent: int = 0
    skipped: dict[SkipReason, int] = flat_field(dict)

    @classmethod
    def define(
        cls,
        campaign_id: str,
        *,
        owner: MerchantId,
        channel: ReachChannel,
        template: Template,
        trigger: Trigger,
        values: Mapping[str, str],
        variation_templates: Mapping[str, Template],
        caps: Sequence[Cap],
    ) -> ReachCampaign:
        require_key(campaign_id, "campaign id")
        if trigger.kind is TriggerKind.SEGMENT and not trigger.scenario:
            raise CampaignInvalid(f"campaign {campaign_id!r}: a segment trigger needs a scenario")
        if trigger.kind is TriggerKind.EVENT and not trigger.event:
            raise CampaignInvalid(f"campaign {campaign_id!r}: an event trigger needs its event")
        for used in (template, *variation_templates.values()):
            if used.channel is not channel:
                raise CampaignInvalid(
                    f"campaign {campaign_id!r} sends {channel.value}; template {used.id!r} "
                    f"is for {used.channel.value}"
                )
            unknown = sorted(set(values) - set(used.variables))
            if unknown:
                raise TemplateValueInvalid(f"template {used.id!r} declares no {unknown}")
            for name, text in values.items():
                used.variables[name].render(name, text)
        for cap in caps:
            if cap.channel is not channel:
                raise CampaignInvalid(f"campaign {campaign_id!r}: a cap on {cap.channel.value}")
        campaign = cls(
            id=campaign_id,
            owner=owner,
            channel=channel,
            template_id=template.id,
            trigger=trigger,
            values=dict(values),
            variation_templates={key: t.id for key, t in variation_templates.items()},
            caps=tuple(caps),
        )
        campaign.record(CampaignDefined(campaign_id, owner, channel))
        return campaign

    @property
    def by_merchant(self) -> bool:
        return self.owner != PLATFORM

    def template_for(self, variation: str | None) -> str:
        if variation is None:
            return self.template_id
        return self.variation_templates.get(variation, self.template_id)

    def move(self, command: str) -> None:
        CAMPAIGN_FLOW.move(self, command, CampaignMoved(self.id, command))

    @property
    def active(self) -> bool:
        return self.status is CampaignStatus.ACTIVE

    def require_active(self) -> None:
        CAMPAIGN_FLOW.target(self.status, "send")

    def count(self, sent: int, skipped: Mapping[SkipReason, int], occasion: str) -> None:
        """Count one reach (or a whole run) and record it as a run."""
        self.tally(sent, skipped)
        self.ran(occasion, sent + sum(skipped.values()), sent)

    def tally(self, sent: int, skipped: Mapping[SkipReason, int]) -> None:
        """Count users reached and skipped (a chunk of a run, a held message settled)."""
        self.sent += sent
        for reason, n in skipped.items():
            self.skipped[reason] = self.skipped.get(reason, 0) + n

    def ran(self, occasion: str, considered: int, sent: int) -> None:
        """Record a run for ``occasion`` that ended, with its totals."""
        self.record(CampaignRun(self.id, occasion, considered, sent))


# -- touches -------------------------------------------------------------------------------


class TouchStatus(enum.Enum):
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"
    OPENED = "opened"
    CLICKED = "clicked"


class Receipt(enum.Enum):
    """What a channel reports back about a message (the host sends it)."""

    DELIVERED = "delivered"
    FAILED = "failed"
    OPENED = "opened"
    CLICKED = "clicked"


_RECEIPT_COMMAND = {
    Receipt.DELIVERED: "deliver",
    Receipt.FAILED: "fail",
    Receipt.OPENED: "open",
    Receipt.CLICKED: "click",
}

TOUCH_FLOW = StateMachine(
    "touch",
    [
        (TouchStatus.SENT, "deliver", TouchStatus.DELIVERED),
        (TouchStatus.SENT, "fail", TouchStatus.FAILED),
        ((TouchStatus.SENT, TouchStatus.DELIVERED), "open", TouchStatus.OPENED),
        (
            (TouchStatus.SENT, TouchStatus.DELIVERED, TouchStatus.OPENED),
            "click",
            TouchStatus.CLICKED,
        ),
    ],
)
#: receipts that arrive after a later one (a delivery report after the open): kept, with
#: no change of state
_BEHIND = {
    TouchStatus.OPENED: {Receipt.DELIVERED},
    TouchStatus.CLICKED: {Receipt.DELIVERED, Receipt.OPENED},
}


@attrs.frozen
class TouchSent(DomainEvent):
    touch_id: str
    campaign_id: str
    customer_id: CustomerId
    channel: ReachChannel
    variation: str | None
    at: datetime


@attrs.frozen
class ReceiptRecorded(DomainEvent):
    touch_id: str
    campaign_id: str
    receipt: Receipt
    at: datetime


@attrs.frozen
class TouchReturned(DomainEvent):
    """The user came back (an order placed, or the host's report of a visit) within the
    attribution window after this touch, the last before."""

    touch_id: str
    campaign_id: str
    at: datetime


@attrs.frozen
class TouchOrdered(DomainEvent):
    touch_id: str
    campaign_id: str
    order_id: str
    amount: Money
    at: datetime


def touch_id(campaign_id: str, occasion: str, customer_id: str) -> str:
    return f"{campaign_id}/{occasion}/{customer_id}"


@attrs.define(kw_only=True)
class Touch(Aggregate):
    """One message of a campaign to one user for one occasion, with its receipts and what
    the user did after it (returned, orders paid and their amounts)."""

    id: str
    campaign_id: str
    occasion: str
    customer_id: CustomerId
    channel: ReachChannel
    variation: str | None
    message_id: str
    sent_at: datetime
    status: TouchStatus = TouchStatus.SENT
    receipts: dict[Receipt, datetime] = flat_field(dict)
    returned_at: datetime | None = None
    orders: dict[str, Money] = flat_field(dict)

    @classmethod
    def send(
        cls,
        campaign: ReachCampaign,
        *,
        occasion: str,
        customer_id: CustomerId,
        variation: str | None,
        message_id: str,
        at: datetime,
    ) -> Touch:
        key = touch_id(campaign.id, occasion, customer_id)
        touch = cls(
            id=key,
            campaign_id=campaign.id,
            occasion=occasion,
            customer_id=customer_id,
            channel=campaign.channel,
            variation=variation,
            message_id=message_id,
            sent_at=at,
        )
        touch.record(TouchSent(key, campaign.id, customer_id, campaign.channel, variation, at))
        return touch

    def receive(self, receipt: Receipt, at: datetime) -> bool:
        """Apply a receipt; idempotent (the same receipt twice changes nothing: ``False``).
        A receipt behind the state (delivered after opened) is kept without a move; a
        contradiction (failed after delivered) is ``IllegalTransition``."""
        if not isinstance(receipt, Receipt):
            raise ValidationError(f"{receipt!r} is not a receipt")
        require_aware(at, "receipt time")
        if receipt in self.receipts:
            return False
        event = ReceiptRecorded(self.id, self.campaign_id, receipt, at)
        if receipt in _BEHIND.get(self.status, ()):
            self.receipts[receipt] = at
            self.record(event)
        else:
            TOUCH_FLOW.move(self, _RECEIPT_COMMAND[receipt], event)
            self.receipts[receipt] = at
        return True

    def came_back(self, at: datetime) -> bool:
        if self.returned_at is not None:
            return False
        self.returned_at = at
        self.record(TouchReturned(self.id, self.campaign_id, at))
        return True

    def ordered(self, order_id: str, amount: Money, at: datetime) -> bool:
        """Credit a paid order (once per order id); it is also a return."""
        if order_id in self.orders:
            return False
        self.came_back(at)
        self.orders[order_id] = amount
        self.record(TouchOrdered(self.id, self.campaign_id, order_id, amount, at))
        return True

    @property
    def opened(self) -> bool:
        return self.status in (TouchStatus.OPENED, TouchStatus.CLICKED)

    @property
    def delivered(self) -> bool:
        return self.status in (TouchStatus.DELIVERED, TouchStatus.OPENED, TouchStatus.CLICKED)


# -- a user's recent sends -----------------------------------------------------------------


@attrs.frozen
class Send:
    touch_id: str
    channel: ReachChannel
    at: datetime


@attrs.frozen
class TimeZoneSet(DomainEvent):
    customer_id: CustomerId


@attrs.define(kw_only=True)
class UserReach(Aggregate):
    """A user's time zone for quiet hours and the sends of the last
    :attr:`ReachPolicy.kept_for` (for caps and attribution)."""

    id: CustomerId
    time_zone: str | None = None
    sends: list[Send] = flat_field(list)

    def set_time_zone(self, name: str) -> None:
        zone(name)
        self.time_zone = name
        self.record(TimeZoneSet(self.id))

    def local(self, at: datetime, policy: ReachPolicy) -> datetime:
        return at.astimezone(zone(self.time_zone or policy.default_zone))

    def quiet_until(self, at: datetime, policy: ReachPolicy) -> datetime:
        """When the quiet hours ``at`` falls in end for this user (UTC)."""
        return policy.quiet_hours.end_after(self.local(at, policy)).astimezone(UTC)

    def skip_reason(
        self, channel: ReachChannel, at: datetime, policy: ReachPolicy, caps: Iterable[Cap]
    ) -> SkipReason | None:
        """Why a message on ``channel`` at ``at`` may not go (quiet hours, a cap), or
        ``None``."""
        quiet = channel is not ReachChannel.INBOX  # the inbox is read when the app is opened
        if quiet and policy.quiet_hours.contains(self.local(at, policy).time()):
            return SkipReason.QUIET_HOURS
        for cap in (*policy.caps, *caps):
            if cap.channel is not channel:
                continue
            since = at - cap.window
            used = sum(1 for s in self.sends if s.channel is channel and since < s.at <= at)
            if used >= cap.limit:
                return SkipReason.CAPPED
        return None

    def note(self, send: Send, kept_for: timedelta) -> None:
        """Remember ``send``; forget those older than ``kept_for`` (too old to cap or be
        credited: :attr:`ReachPolicy.kept_for`)."""
        horizon = send.at - kept_for
        self.sends = [s for s in self.sends if s.at > horizon]
        self.sends.append(send)

    def last_touch(self, at: datetime, window: timedelta) -> str | None:
        """The touch sent last before ``at`` within ``window`` (last-touch attribution)."""
        candidates = [s for s in self.sends if at - window < s.at <= at]
        return max(candidates, key=lambda s: s.at).touch_id if candidates else None


# -- the in-app inbox ----------------------------------------------------------------------


@attrs.frozen
class InboxMessage:
    touch_id: str
    campaign_id: str
    body: str
    at: datetime


@attrs.define(kw_only=True)
class Inbox(Aggregate):
    """A user's in-app messages, newest last. The host shows them; a message read is the
    host's ``RecordReceipt(touch_id, Receipt.OPENED)``."""

    id: CustomerId
    messages: list[InboxMessage] = flat_field(list)

    def put(self, message: InboxMessage) -> None:
        self.messages.append(message)


# -- store following and merchants' audiences ----------------------------------------------


@attrs.frozen
class StoreFollowed(DomainEvent):
    merchant_id: MerchantId
    customer_id: CustomerId


@attrs.frozen
class StoreUnfollowed(DomainEvent):
    merchant_id: MerchantId
    customer_id: CustomerId


@attrs.define(kw_only=True)
class StoreAudience(Aggregate):
    """A merchant's store's followers. Who the merchant may reach is them and its buyers
    (the customers of its paid orders, read from the orders when a campaign sends)."""

    id: MerchantId
    followers: set[str] = flat_field(set)

    def follow(self, customer_id: CustomerId) -> bool:
        if customer_id in self.followers:
            return False
        self.followers.add(customer_id)
        self.record(StoreFollowed(self.id, customer_id))
        return True

    def unfollow(self, customer_id: CustomerId) -> bool:
        if customer_id not in self.followers:
            return False
        self.followers.discard(customer_id)
        self.record(StoreUnfollowed(self.id, customer_id))
        return True


# -- outcomes and the report ---------------------------------------------------------------


@attrs.frozen
class ReachOutcome:
    """What one user got: a touch (its id), or the reason they were skipped (in the quiet
    hours: held until ``held_until``)."""

    customer_id: CustomerId
    touch_id: str | None = None
    skipped: SkipReason | None = None
    variation: str | None = None
    #: skipped for the quiet hours: held until then (a held message, id the touch's)
    held_until: datetime | None = None


@attrs.frozen
class RunSummary:
    """A run over a segment: how many users were considered, reached, skipped and why."""

    campaign_id: str
    occasion: str
    considered: int
    sent: int
    skipped: Mapping[SkipReason, int]


@attrs.frozen
class VariationReport:
    """One variation's touches (``variation`` ``None``: outside any experiment) and what
    followed them within the window: delivered, opened, returned, ordered (users with a
    paid order credited), orders, GMV."""

    variation: str | None
    reached: int = 0
    delivered: int = 0
    failed: int = 0
    opened: int = 0
    clicked: int = 0
    returned: int = 0
    ordered: int = 0
    orders: int = 0
    gmv: Money | None = None

    def add(self, touch: Touch) -> VariationReport:
        gmv = self.gmv
        for amount in touch.orders.values():
            gmv = amount if gmv is None else gmv + amount
        return attrs.evolve(
            self,
            reached=self.reached + 1,
            delivered=self.delivered + touch.delivered,
            failed=self.failed + (touch.status is TouchStatus.FAILED),
            opened=self.opened + touch.opened,
            clicked=self.clicked + (touch.status is TouchStatus.CLICKED),
            returned=self.returned + (touch.returned_at is not None),
            ordered=self.ordered + bool(touch.orders),
            orders=self.orders + len(touch.orders),
            gmv=gmv,
        )


@attrs.frozen
class ReachReport:
    """A campaign's reach data recovery: the totals, one row per variation, and the users
    its runs skipped by reason."""

    campaign_id: str
    total: VariationReport
    variations: tuple[VariationReport, ...]
    skipped: Mapping[SkipReason, int]

    @classmethod
    def of(cls, campaign: ReachCampaign, touches: Iterable[Touch]) -> ReachReport:
        total = VariationReport(None)
        rows: dict[str | None, VariationReport] = {}
        for touch in touches:
            total = total.add(touch)
            rows[touch.variation] = rows.get(touch.variation, VariationReport(touch.variation))
            rows[touch.variation] = rows[touch.variation].add(touch)
        ordered = tuple(rows[key] for key in sorted(rows, key=lambda k: (k is not None, k or "")))
        return cls(campaign.id, total, ordered, dict(campaign.skipped))
