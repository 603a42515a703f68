"""Reach use cases: templates, campaigns, runs over a segment, one user on an event,
receipts, returns, time zones and store following; the attribution subscribers.

Reaching one user checks, in this order, and skips with the first reason that holds:
dedupe (the touch exists), the merchant's scope, consent (``merx.people``), the address
(SMS needs a registered phone), quiet hours in the user's zone (a message due in them is
held until they end: a :class:`~merx.reach.held.HeldMessage` that the due run,
:class:`SendHeldMessages`, sends then after checking all of this again), then the caps
(the platform's and the campaign's). Then the template is rendered with the masked name,
the message leaves through the :class:`~merx.reach.ports.Messenger` (or into the inbox)
and the touch is stored with the user's send.

A run over a segment goes in chunks of candidates, each its own unit of work, with its
cursor in a :class:`~merx.reach.runs.ReachRun`: see :mod:`merx.reach.runs`.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from types import MappingProxyType

import attrs

from merx import decisions, orders
from merx.kernel.bus import Command, reads_ahead
from merx.kernel.clock import Clock
from merx.kernel.errors import ValidationError
from merx.kernel.events import DomainEvent
from merx.kernel.ids import PLATFORM, CustomerId, MerchantId
from merx.kernel.uow import UnitOfWork, prefetch
from merx.notifications import NotifierUnavailable
from merx.orders import OrderQueries
from merx.people import PersonalData
from merx.reach.errors import CampaignInvalid, OutOfReachScope
from merx.reach.held import Expiry, HeldMessage, HeldRunSummary, HeldStatus
from merx.reach.model import (
    ORDER_SHIPPED,
    Cap,
    Inbox,
    InboxMessage,
    ReachCampaign,
    ReachChannel,
    ReachOutcome,
    ReachPolicy,
    ReachReport,
    Receipt,
    RunSummary,
    Send,
    SkipReason,
    StoreAudience,
    Template,
    Touch,
    Trigger,
    TriggerKind,
    UserReach,
    VarType,
    require_key,
    touch_id,
)
from merx.reach.ports import Messenger, OutgoingMessage, ReachQueries
from merx.reach.runs import ReachRun, run_id

_NONE: Mapping[str, str] = MappingProxyType({})


def _frozen(values: Mapping[str, object]) -> Mapping[str, object]:
    return MappingProxyType(dict(values))


# -- commands ------------------------------------------------------------------------------


@attrs.frozen
class SaveTemplate(Command[None]):
    """Create or replace a template; checked first (an unknown variable is
    ``UnknownTemplateVariable``, and nothing is saved)."""

    template_id: str
    channel: ReachChannel
    body: str
    variables: Mapping[str, VarType] = attrs.field(factory=dict, converter=_frozen)


@attrs.frozen
class DefineReachCampaign(Command[None]):
    """A reach campaign (a draft until activated). ``owner``: the platform or a merchant
    (who reaches only its own customers). ``values``: the template's fixed values, as
    text (``"25.00 CNY"``); ``variation_templates``: a template per experiment variation
    of the scenario's strategies; ``caps``: the campaign's own, within the platform's."""

    campaign_id: str
    channel: ReachChannel
    template_id: str
    trigger: Trigger
    owner: MerchantId = PLATFORM
    values: Mapping[str, str] = attrs.field(factory=dict, converter=_frozen)
    variation_templates: Mapping[str, str] = attrs.field(factory=dict, converter=_frozen)
    caps: tuple[Cap, ...] = ()


@attrs.frozen
class ActivateReachCampaign(Command[None]):
    campaign_id: str


@attrs.frozen
class PauseReachCampaign(Command[None]):
    campaign_id: str


@attrs.frozen
class EndReachCampaign(Command[None]):
    campaign_id: str


@attrs.frozen
class RunReachCampaign(Command[RunSummary]):
    """Run a segment (or once) campaign now over every reachable user (a merchant's:
    its followers and buyers) for ``occasion`` (the host's schedule names it, e.g. the
    day ``"2026-04-01"``; a once campaign's is always ``"once"``)."""

    campaign_id: str
    occasion: str = "once"
    #: candidates reached per unit of work (the run's cursor moves after each chunk)
    chunk_size: int = 1000


@attrs.frozen
class SendHeldMessages(Command[HeldRunSummary]):
    """The due run of messages held for the quiet hours (the host schedules it, e.g.
    every few minutes): sends at most ``limit`` of those whose quiet hours have ended,
    each in its own unit of work, checking again what a send checks; expires those no
    longer relevant."""

    limit: int = 1000


@attrs.frozen
class ReachCustomer(Command[ReachOutcome]):
    """Reach one user now for ``occasion`` (an event campaign: the order shipped, the
    coupon about to expire), with the event's own template ``values``. A merchant's
    campaign to a customer not its own is :class:`OutOfReachScope`."""

    campaign_id: str
    customer_id: CustomerId
    occasion: str
    values: Mapping[str, str] = attrs.field(factory=dict, converter=_frozen)


@attrs.frozen
class RecordReceipt(Command[bool]):
    """The channel reported ``receipt`` for the touch (idempotent: the same receipt again
    answers ``False`` and changes nothing)."""

    touch_id: str
    receipt: Receipt
    at: datetime | None = None


@attrs.frozen
class RecordReturn(Command[str | None]):
    """The user came back (a login, a visit the host saw): credits their last touch in
    the attribution window; answers its id (``None``: no touch to credit)."""

    customer_id: CustomerId
    at: datetime | None = None


@attrs.frozen
class SetReachTimeZone(Command[None]):
    """The user's IANA time zone, for quiet hours (by default the policy's)."""

    customer_id: CustomerId
    time_zone: str


@attrs.frozen
class FollowStore(Command[bool]):
    customer_id: CustomerId
    merchant_id: MerchantId


@attrs.frozen
class UnfollowStore(Command[bool]):
    customer_id: CustomerId
    merchant_id: MerchantId


# -- handlers ------------------------------------------------------------------------------


@attrs.frozen
class ReachPorts:
    """What sending needs: the clock, the platform's policy, the channels, the decisions
    (segments), the orders' queries (a merchant's buyers) and the reach queries (the
    held messages due)."""

    clock: Clock
    policy: ReachPolicy
    messenger: Messenger
    decider: decisions.Decider
    order_queries: OrderQueries
    queries: ReachQueries


def save_template(cmd: SaveTemplate, uow: UnitOfWork) -> None:
    template = Template.define(cmd.template_id, cmd.channel, cmd.body, cmd.variables)
    repo = uow.repo(Template)
    found = repo.find(template.id)
    if found is None:
        repo.add(template)
    else:
        found.channel, found.body, found.variables = (
            template.channel,
            template.body,
            template.variables,
        )
        for event in template.pull_events():
            found.record(event)
        repo.save(found)
    uow.commit()


def define_campaign(cmd: DefineReachCampaign, uow: UnitOfWork) -> None:
    templates = uow.repo(Template)
    campaign = ReachCampaign.define(
        cmd.campaign_id,
        owner=cmd.owner,
        channel=cmd.channel,
        template=templates.get(cmd.template_id),
        trigger=cmd.trigger,
        values=cmd.values,
        variation_templates={k: templates.get(t) for k, t in cmd.variation_templates.items()},
        caps=cmd.caps,
    )
    uow.repo(ReachCampaign).add(campaign)
    uow.commit()


def _move(command: str, campaign_id: str, uow: UnitOfWork) -> None:
    campaign = uow.repo(ReachCampaign).get(campaign_id)
    campaign.move(command)
    uow.repo(ReachCampaign).save(campaign)
    uow.commit()


def activate_campaign(cmd: ActivateReachCampaign, uow: UnitOfWork) -> None:
    _move("activate", cmd.campaign_id, uow)


def pause_campaign(cmd: PauseReachCampaign, uow: UnitOfWork) -> None:
    _move("pause", cmd.campaign_id, uow)


def end_campaign(cmd: EndReachCampaign, uow: UnitOfWork) -> None:
    _move("end", cmd.campaign_id, uow)


@attrs.define
class _Reacher:
    """Reaches users for one campaign and occasion inside one unit of work."""

    uow: UnitOfWork
    campaign: ReachCampaign
    occasion: str
    at: datetime
    policy: ReachPolicy
    messenger: Messenger
    audience: frozenset[str] | None = None
    renderers: dict[str, Callable[[str], str]] = attrs.field(factory=dict)
    kept_for: timedelta = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        self.kept_for = self.policy.kept_for

    def render(self, variation: str | None, values: Mapping[str, str], masked: str) -> str:
        """The message; without an event's own values, the campaign's are rendered once
        per template."""
        key = self.campaign.template_for(variation)
        if values:
            template = self.uow.repo(Template).get(key)
            return template.render({**self.campaign.values, **values}, masked)
        renderer = self.renderers.get(key)
        if renderer is None:
            template = self.uow.repo(Template).get(key)
            renderer = self.renderers[key] = template.renderer(self.campaign.values)
        return renderer(masked)

    def reach(
        self,
        customer_id: CustomerId,
        variation: str | None,
        values: Mapping[str, str],
        held: HeldMessage | None = None,
    ) -> ReachOutcome:
        """Reach ``customer_id`` now, or hold the message for the end of their quiet hours
        (``held``: the held message being sent, held again if still in them)."""
        campaign, uow = self.campaign, self.uow
        key = touch_id(campaign.id, self.occasion, customer_id)
        if uow.repo(Touch).peek(key) is not None:
            return ReachOutcome(customer_id, skipped=SkipReason.DEDUPED)
        if self.audience is not None and customer_id not in self.audience:
            return ReachOutcome(customer_id, skipped=SkipReason.OUT_OF_SCOPE)
        person = uow.repo(PersonalData).peek(customer_id)
        consent = campaign.channel.consent
        if consent is not None and (person is None or not person.consent(consent)):
            return ReachOutcome(customer_id, skipped=SkipReason.NO_CONSENT)
        if campaign.channel is ReachChannel.SMS and (person is None or person.phone is None):
            return ReachOutcome(customer_id, skipped=SkipReason.NO_ADDRESS)
        found = uow.repo(UserReach).find(customer_id)
        user = found or UserReach(id=customer_id)
        reason = user.skip_reason(campaign.channel, self.at, self.policy, campaign.caps)
        if reason is SkipReason.QUIET_HOURS:
            due = user.quiet_until(self.at, self.policy)
            self.hold(
                key, customer_id=customer_id, variation=variation, values=values, held=held,
                due=due,
            )  # fmt: skip
            return ReachOutcome(customer_id, skipped=reason, variation=variation, held_until=due)
        if reason is not None:
            return ReachOutcome(customer_id, skipped=reason)
        masked = person.name.masked if person is not None and person.name is not None else ""
        body = self.render(variation, values, masked)
        if campaign.channel is ReachChannel.INBOX:
            message_id = key
            inbox = uow.repo(Inbox).find(customer_id)
            if inbox is None:
                inbox = Inbox(id=customer_id)
                uow.repo(Inbox).add(inbox)
            inbox.put(InboxMessage(key, campaign.id, body, self.at))
            uow.repo(Inbox).save(inbox)
        else:
            recipient = person.phone.token if person is not None and person.phone else customer_id
            try:
                message_id = self.messenger.deliver(
                    OutgoingMessage(key, campaign.channel, customer_id, recipient, body)
                )
            except NotifierUnavailable:
                return ReachOutcome(customer_id, skipped=SkipReason.CHANNEL_UNAVAILABLE)
        touch = Touch.send(
            campaign,
            occasion=self.occasion,
            customer_id=customer_id,
            variation=variation,
            message_id=message_id,
            at=self.at,
        )
        if campaign.channel is ReachChannel.INBOX:
            touch.receive(Receipt.DELIVERED, self.at)  # in the inbox: delivered
        uow.repo(Touch).add(touch)
        user.note(Send(key, campaign.channel, self.at), self.kept_for)
        if found is None:
            uow.repo(UserReach).add(user)
        else:
            uow.repo(UserReach).save(user)
        return ReachOutcome(customer_id, touch_id=key, variation=variation)

    def hold(
        self,
        key: str,
        *,
        customer_id: CustomerId,
        variation: str | None,
        values: Mapping[str, str],
        held: HeldMessage | None,
        due: datetime,
    ) -> None:
        """Hold the message until ``due`` (once per touch id: a message held already, or
        settled, is left as it is)."""
        if held is not None:
            held.hold_again(due)
            return
        repo = self.uow.repo(HeldMessage)
        if repo.peek(key) is None:
            repo.add(
                HeldMessage.hold(
                    key, campaign_id=self.campaign.id, occasion=self.occasion,
                    customer_id=customer_id, variation=variation, values=values,
                    at=self.at, due_at=due,
                )
            )  # fmt: skip


def _store_audience(
    uow: UnitOfWork, merchant: MerchantId, order_queries: OrderQueries
) -> frozenset[str]:
    """Who ``merchant`` may reach: its store's followers, and its buyers (the customers of
    its orders that were paid, read from the orders: every order of the merchant)."""
    kept = uow.repo(StoreAudience).peek(merchant)
    members = set() if kept is None else set(kept.followers)
    unpaid = (orders.OrderStatus.PENDING_PAYMENT, orders.OrderStatus.CANCELLED)
    for order_id in order_queries.orders_of_seller(merchant):
        order = uow.repo(orders.Order).peek(order_id)
        if order is not None and order.status not in unpaid:
            members.add(order.customer_id)
    return frozenset(members)


def _segment(
    decider: decisions.Decider,
    trigger: Trigger,
    candidates: Iterable[str],
    at: datetime,
) -> Iterable[tuple[str, str | None, bool]]:
    """Each candidate, its variation, and whether the trigger's scenario matched it (every
    candidate without a scenario)."""
    if trigger.scenario is None:
        for customer in candidates:
            yield customer, None, True
        return
    compiled, enabled = decider.compiled(trigger.scenario)
    compiled.check_call(trigger.caller, decisions.Access.EMBEDDED, {})
    for customer in candidates:
        if not enabled:
            yield customer, None, False
            continue
        decision = compiled.decide(
            customer, decider.values.values_of(customer, at), {}, decider.assigner
        )
        yield customer, decision.variation, decision.strategy is not None


def _occasion(campaign: ReachCampaign, occasion: str) -> str:
    return (
        "once" if campaign.trigger.kind is TriggerKind.ONCE else require_key(occasion, "occasion")
    )


def _candidates(uow: UnitOfWork, campaign: ReachCampaign, ports: ReachPorts) -> list[str]:
    """Everyone a run considers, in id order: the platform's every user with personal
    data; a merchant's followers and buyers."""
    if campaign.by_merchant:
        return sorted(_store_audience(uow, campaign.owner, ports.order_queries))
    return sorted(uow.repo(PersonalData).ids())


def run_campaign(
    cmd: RunReachCampaign,
    uow: UnitOfWork,
    *,
    ports: ReachPorts,
) -> RunSummary:
    """Run the campaign over its candidates in chunks of ``cmd.chunk_size``, each chunk
    committed with the run's cursor; sent again, a run stopped midway resumes after its
    last chunk, and a finished one makes a new pass (see :mod:`merx.reach.runs`)."""
    size = cmd.chunk_size
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise ValidationError(f"a run's chunk size is a whole number >= 1, not {size!r}")
    campaign = uow.repo(ReachCampaign).get(cmd.campaign_id)
    campaign.require_active()
    if campaign.trigger.kind is TriggerKind.EVENT:
        raise CampaignInvalid(f"campaign {campaign.id!r} is sent on events: use ReachCustomer")
    occasion = _occasion(campaign, cmd.occasion)
    key = run_id(campaign.id, occasion)
    run = uow.repo(ReachRun).find(key)
    if run is not None and run.finished:
        run.restart(ports.clock.now())
    if run is None:
        run = ReachRun.start(campaign.id, occasion, ports.clock.now())
        uow.repo(ReachRun).add(run)
    audience = None
    if campaign.by_merchant:
        audience = _store_audience(uow, campaign.owner, ports.order_queries)
    candidates = _candidates(uow, campaign, ports)
    first = 0 if run.cursor is None else bisect_right(candidates, run.cursor)
    for low in range(first, len(candidates), size):
        if low > first:  # a new unit of work: the campaign may have been paused since
            campaign = uow.repo(ReachCampaign).get(cmd.campaign_id)
            campaign.require_active()
            run = uow.repo(ReachRun).get(key)
        chunk = candidates[low : low + size]
        sent, skipped = _reach_chunk(
            uow, campaign, occasion=occasion, chunk=chunk, audience=audience, ports=ports
        )
        run.advance(chunk[-1], sent, skipped)
        campaign.tally(sent, skipped)
        if low + size >= len(candidates):
            _finish(run, campaign, ports.clock.now())
        uow.repo(ReachRun).save(run)  # added in this unit of work: already staged
        uow.repo(ReachCampaign).save(campaign)
        uow.commit()
    if first >= len(candidates):  # nothing left (or no one at all): finished now
        _finish(run, campaign, ports.clock.now())
        uow.repo(ReachRun).save(run)  # added in this unit of work: already staged
        uow.repo(ReachCampaign).save(campaign)
        uow.commit()
    return run.summary()


def _finish(run: ReachRun, campaign: ReachCampaign, at: datetime) -> None:
    run.finish(at)
    campaign.ran(run.occasion, run.considered, run.sent)


def _reach_chunk(
    uow: UnitOfWork,
    campaign: ReachCampaign,
    *,
    occasion: str,
    chunk: Sequence[str],
    audience: frozenset[str] | None,
    ports: ReachPorts,
) -> tuple[int, Counter[SkipReason]]:
    at = ports.clock.now()
    reacher = _Reacher(uow, campaign, occasion, at, ports.policy, ports.messenger, audience)
    sent, skipped = 0, Counter[SkipReason]()
    for customer, variation, member in _segment(ports.decider, campaign.trigger, chunk, at):
        if not member:
            skipped[SkipReason.NOT_IN_SEGMENT] += 1
            continue
        outcome = reacher.reach(CustomerId(customer), variation, _NONE)
        if outcome.skipped is None:
            sent += 1
        else:
            skipped[outcome.skipped] += 1
    return sent, skipped


def reach_customer(
    cmd: ReachCustomer,
    uow: UnitOfWork,
    *,
    ports: ReachPorts,
) -> ReachOutcome:
    campaign = uow.repo(ReachCampaign).get(cmd.campaign_id)
    campaign.require_active()
    occasion, at = _occasion(campaign, cmd.occasion), ports.clock.now()
    audience = None
    if campaign.by_merchant:
        audience = _store_audience(uow, campaign.owner, ports.order_queries)
        if cmd.customer_id not in audience:
            raise OutOfReachScope(
                f"merchant {campaign.owner!r} may reach only its buyers and followers; "
                f"customer {cmd.customer_id!r} is neither"
            )
    [(_, variation, member)] = _segment(ports.decider, campaign.trigger, [cmd.customer_id], at)
    if not member:
        outcome = ReachOutcome(cmd.customer_id, skipped=SkipReason.NOT_IN_SEGMENT)
    else:
        reacher = _Reacher(uow, campaign, occasion, at, ports.policy, ports.messenger, audience)
        outcome = reacher.reach(cmd.customer_id, variation, cmd.values)
    sent = 1 if outcome.skipped is None else 0
    campaign.count(sent, {} if outcome.skipped is None else {outcome.skipped: 1}, occasion)
    uow.repo(ReachCampaign).save(campaign)
    uow.commit()
    return outcome


def send_held_messages(
    cmd: SendHeldMessages, uow: UnitOfWork, *, ports: ReachPorts
) -> HeldRunSummary:
    """Each held message due (the queries' candidates, checked again) settled in its own
    unit of work: sent, skipped for a reason found at send time, held again (quiet again
    in a zone the user moved to) or expired (its campaign stopped, or too late)."""
    limit = cmd.limit
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise ValidationError(f"a due run's limit is a whole number >= 1, not {limit!r}")
    now = ports.clock.now()
    due = ports.queries.held_due(now, limit + 1)
    sent, held_again = 0, 0
    skipped, expired = Counter[SkipReason](), Counter[Expiry]()
    for key in due[:limit]:
        held = uow.repo(HeldMessage).find(key)
        if held is None or not held.waiting or held.due_at > now:
            continue
        outcome = _send_held(uow, held, now, ports)
        if outcome is None:
            assert held.expiry is not None
            expired[held.expiry] += 1
        elif outcome.touch_id is not None:
            sent += 1
        elif held.status is HeldStatus.HELD:  # quiet again: held until later
            held_again += 1
        else:
            assert outcome.skipped is not None
            skipped[outcome.skipped] += 1
        uow.repo(HeldMessage).save(held)
        uow.commit()
    return HeldRunSummary(sent, dict(skipped), dict(expired), held_again, len(due) > limit)


def _send_held(
    uow: UnitOfWork, held: HeldMessage, now: datetime, ports: ReachPorts
) -> ReachOutcome | None:
    """Send ``held`` now if it is still relevant (``None``: expired)."""
    campaign = uow.repo(ReachCampaign).get(held.campaign_id)
    if not campaign.active:
        held.expire(Expiry.CAMPAIGN_STOPPED, now)
        return None
    if now - held.due_at > ports.policy.held_for:
        held.expire(Expiry.TOO_LATE, now)
        return None
    customer = held.customer_id
    audience = None
    if campaign.by_merchant:
        audience = _store_audience(uow, campaign.owner, ports.order_queries)
    [(_, _, member)] = _segment(ports.decider, campaign.trigger, [customer], now)
    if not member:
        outcome = ReachOutcome(customer, skipped=SkipReason.NOT_IN_SEGMENT)
    else:
        reacher = _Reacher(
            uow, campaign, held.occasion, now, ports.policy, ports.messenger, audience
        )
        outcome = reacher.reach(customer, held.variation, held.values, held)
    if outcome.touch_id is not None:
        held.sent(now)
        campaign.tally(1, {})
    elif outcome.skipped is not SkipReason.QUIET_HOURS:
        assert outcome.skipped is not None
        held.skip(outcome.skipped, now)
        campaign.tally(0, {outcome.skipped: 1})
    uow.repo(ReachCampaign).save(campaign)
    return outcome


def record_receipt(cmd: RecordReceipt, uow: UnitOfWork, *, clock: Clock) -> bool:
    touch = uow.repo(Touch).get(cmd.touch_id)
    changed = touch.receive(cmd.receipt, cmd.at or clock.now())
    if changed:
        uow.repo(Touch).save(touch)
        uow.commit()
    return changed


def _credit(uow: UnitOfWork, customer_id: str, at: datetime, policy: ReachPolicy) -> Touch | None:
    user = uow.repo(UserReach).peek(customer_id)
    key = None if user is None else user.last_touch(at, policy.attribution_window)
    return None if key is None else uow.repo(Touch).get(key)


def record_return(
    cmd: RecordReturn, uow: UnitOfWork, *, clock: Clock, policy: ReachPolicy
) -> str | None:
    touch = _credit(uow, cmd.customer_id, cmd.at or clock.now(), policy)
    if touch is None:
        return None
    if touch.came_back(cmd.at or clock.now()):
        uow.repo(Touch).save(touch)
        uow.commit()
    return touch.id


def set_time_zone(cmd: SetReachTimeZone, uow: UnitOfWork) -> None:
    repo = uow.repo(UserReach)
    found = repo.find(cmd.customer_id)
    user = found or UserReach(id=cmd.customer_id)
    user.set_time_zone(cmd.time_zone)
    if found is None:
        repo.add(user)
    else:
        repo.save(user)
    uow.commit()


def _follow(cmd: FollowStore | UnfollowStore, follow: bool, uow: UnitOfWork) -> bool:
    if not isinstance(cmd.merchant_id, str) or not cmd.merchant_id or cmd.merchant_id == PLATFORM:
        raise ValidationError(f"{cmd.merchant_id!r} is not a merchant's store")
    repo = uow.repo(StoreAudience)
    found = repo.find(cmd.merchant_id)
    audience = found or StoreAudience(id=cmd.merchant_id)
    changed = audience.follow(cmd.customer_id) if follow else audience.unfollow(cmd.customer_id)
    if changed:
        if found is None:
            repo.add(audience)
        else:
            repo.save(audience)
        uow.commit()
    return changed


def follow_store(cmd: FollowStore, uow: UnitOfWork) -> bool:
    return _follow(cmd, True, uow)


def unfollow_store(cmd: UnfollowStore, uow: UnitOfWork) -> bool:
    return _follow(cmd, False, uow)


# -- subscribers ---------------------------------------------------------------------------


def _reach_ahead(event: DomainEvent) -> list[tuple[type[object], str]]:
    customer = getattr(event, "customer_id", None)
    return [] if customer is None else [(UserReach, str(customer))]


@reads_ahead(_reach_ahead)
def attribute_order(event: orders.OrderPaid, uow: UnitOfWork, *, policy: ReachPolicy) -> None:
    """Subscriber of ``orders.OrderPaid``: credit the user's last touch within the
    attribution window with the order and its amount (a paid order is also a return; each
    order once, whatever the deliveries)."""
    if event.customer_id is None:
        return
    touch = _credit(uow, event.customer_id, event.at, policy)
    if touch is not None and touch.ordered(event.order_id, event.amount, event.at):
        uow.repo(Touch).save(touch)
        uow.commit()


def reach_on_shipment(
    event: orders.OrderShipped,
    uow: UnitOfWork,
    *,
    ports: ReachPorts,
) -> None:
    """Subscriber of ``orders.OrderShipped``: every active campaign on
    :data:`~merx.reach.model.ORDER_SHIPPED` reaches the order's customer (occasion: the
    order id; the order id is the template's ``order_id`` value if it declares one)."""
    campaigns = [
        c
        for key in sorted(uow.repo(ReachCampaign).ids())
        if (c := uow.repo(ReachCampaign).peek(key)) is not None
        and c.trigger.kind is TriggerKind.EVENT
        and c.trigger.event == ORDER_SHIPPED
        and c.status.value == "active"
    ]
    if not campaigns:
        return
    order = uow.repo(orders.Order).get(event.order_id)
    for campaign in campaigns:
        if campaign.by_merchant and campaign.owner != order.seller:
            continue
        template = uow.repo(Template).get(campaign.template_id)
        values = {"order_id": event.order_id} if "order_id" in template.variables else {}
        reach_customer(
            ReachCustomer(campaign.id, order.customer_id, event.order_id, values),
            uow,
            ports=ports,
        )  # the seller's own campaign: its customer is in scope (the order was paid)


# -- queries -------------------------------------------------------------------------------


def reach_report(uow: UnitOfWork, queries: ReachQueries, campaign_id: str) -> ReachReport:
    """The campaign's reach data recovery: touches, receipts, returns, orders and GMV per
    variation (reads the campaign's touches, found through ``queries``, and no other)."""
    campaign = uow.repo(ReachCampaign).get(campaign_id)
    repo = uow.repo(Touch)
    keys = sorted(queries.touches_of_campaign(campaign_id))
    prefetch(repo, keys)
    return ReachReport.of(campaign, [repo.get(key) for key in keys])


def held_messages(
    uow: UnitOfWork, queries: ReachQueries, campaign_id: str
) -> tuple[HeldMessage, ...]:
    """The campaign's messages held for the quiet hours, waiting or settled (sent, skipped
    and why, expired and why), by id."""
    repo = uow.repo(HeldMessage)
    keys = sorted(queries.held_of_campaign(campaign_id))
    prefetch(repo, keys)
    return tuple(repo.view(key) for key in keys)


def inbox_of(uow: UnitOfWork, customer_id: CustomerId) -> Sequence[InboxMessage]:
    """The user's in-app messages, oldest first."""
    inbox = uow.repo(Inbox).peek(customer_id)
    return () if inbox is None else tuple(inbox.messages)
