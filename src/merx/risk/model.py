"""Risk keys (lists, velocity, the identity graph, decisions), review cases, rule scores.

A :class:`RiskKey` is everything risk control holds about one key: an account, a device,
an IP, a phone, an address, a payment card or an identity document (the last four only as
the vault's digests, never in clear). It holds

- its **listing** (black, grey or white, with a reason and an expiry),
- its **ticks**: recent events counted over windows (bounded: pruned after
  :data:`RETENTION`, at most :data:`MAX_TICKS`, oldest dropped first),
- its **links**: for an account, the identity keys it used; for an identity key, the
  accounts that used it (the identity graph, at most :data:`MAX_LINKS` each),
- for an account, the last :data:`MAX_DECISIONS` decisions about it and its label.

A :class:`ReviewCase` is a decision sent to manual review; :class:`RuleScores` counts, per
rule, how often it fired on decisions whose subject was later labelled.
"""

from __future__ import annotations

import bisect
import enum
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

import attrs

from merx.kernel.aggregate import Aggregate, flat_field
from merx.kernel.events import DomainEvent
from merx.kernel.state import StateMachine
from merx.payments import AuthFactor
from merx.risk.errors import InvalidRiskInput, NotListed

#: Ticks older than this are pruned (the longest window a feature reads).
RETENTION = timedelta(days=30)
#: At most this many ticks per key (the oldest dropped first).
MAX_TICKS = 2000
#: At most this many links per key (later links are not kept).
MAX_LINKS = 200
#: At most this many decisions remembered per account (the oldest dropped first).
MAX_DECISIONS = 100


class KeyKind(enum.StrEnum):
    """What a key is. ``account`` keys are account (customer or merchant) ids; the others
    are the host's opaque ids (``device``) or the vault's digests."""

    ACCOUNT = "account"
    DEVICE = "device"
    IP = "ip"
    PHONE = "phone"
    ADDRESS = "address"
    CARD = "card"
    IDENTITY = "identity"


def key_id(kind: KeyKind, value: str) -> str:
    """The id of the :class:`RiskKey` of ``value`` of ``kind``: ``"<kind>:<value>"``."""
    if not isinstance(value, str) or not value.strip() or value != value.strip():
        raise InvalidRiskInput(f"a {kind} key is a non-empty string, not {value!r}")
    return f"{KeyKind(kind).value}:{value}"


def kind_of(key: str) -> KeyKind:
    return KeyKind(key.split(":", 1)[0])


class ListColor(enum.StrEnum):
    """Black: deny. Grey: a fact rules may read (``listed_grey``). White: allow (black
    still wins)."""

    BLACK = "black"
    GREY = "grey"
    WHITE = "white"


@attrs.frozen
class Listing:
    """A key on a list, why, since when, and until when (``None``: until removed). The
    listing holds while ``at < expires_at``: at the expiry instant it is over."""

    color: ListColor
    reason: str
    listed_at: datetime
    expires_at: datetime | None = None

    def holds(self, at: datetime) -> bool:
        return self.expires_at is None or at < self.expires_at


@attrs.frozen
class Tick:
    """One counted event: its ``counter`` (``"login"``, ``"payment_out"``...), when, an
    amount in minor units (0 when none) and a member (another key, or ``""``)."""

    counter: str
    at: datetime
    amount_minor: int = 0
    member: str = ""


def _tick_time(tick: Tick) -> datetime:
    return tick.at


class Outcome(enum.StrEnum):
    """A risk decision, least severe first."""

    ALLOW = "allow"
    CHALLENGE = "challenge"
    REVIEW = "review"
    DENY = "deny"


_SEVERITY = {Outcome.ALLOW: 0, Outcome.CHALLENGE: 1, Outcome.REVIEW: 2, Outcome.DENY: 3}
#: Challenge factors, weakest first: the strongest one asked wins.
_FACTOR_STRENGTH = {
    AuthFactor.PASSWORD: 0,
    AuthFactor.SMS: 1,
    AuthFactor.FINGERPRINT: 2,
    AuthFactor.FACE: 3,
}


def severity(outcome: Outcome, factor: AuthFactor | None) -> tuple[int, int]:
    """Order of outcomes: a deny over a review over a challenge (a stronger factor over a
    weaker one) over an allow."""
    return (_SEVERITY[outcome], _FACTOR_STRENGTH[factor] if factor is not None else -1)


@attrs.frozen
class FiredRule:
    """A rule that fired, what it decides, and the values of the facts it read (as text)."""

    rule: str
    outcome: Outcome
    factor: AuthFactor | None = None
    values: tuple[tuple[str, str], ...] = ()


@attrs.frozen
class RiskAssessment:
    """Risk control's answer for one decision: the outcome (with its factor when it is a
    challenge), every rule that fired (the explanation), the scenario version that decided
    (``None``: no scenario), the review case opened (its id is the decision id)."""

    decision_id: str
    action: str
    subject: str
    outcome: Outcome
    factor: AuthFactor | None
    fired: tuple[FiredRule, ...]
    version: int | None
    at: datetime
    fingerprint: str = ""
    case_id: str | None = None

    @property
    def rules(self) -> tuple[str, ...]:
        return tuple(fired.rule for fired in self.fired)


class RiskLabel(enum.StrEnum):
    """What a subject turned out to be: fraud confirmed, a chargeback, or legitimate."""

    FRAUD = "fraud"
    CHARGEBACK = "chargeback"
    LEGIT = "legit"

    @property
    def bad(self) -> bool:
        return self is not RiskLabel.LEGIT


# -- events ---------------------------------------------------------------------------------


@attrs.frozen
class KeyListed(DomainEvent):
    key: str
    color: ListColor
    reason: str
    expires_at: datetime | None
    at: datetime


@attrs.frozen
class KeyUnlisted(DomainEvent):
    key: str
    color: ListColor
    at: datetime


@attrs.frozen
class AccountsLinked(DomainEvent):
    """Account ``account`` used identity key ``key`` (kind and digest) for the first time."""

    account: str
    key: str
    at: datetime


@attrs.frozen
class RiskDecided(DomainEvent):
    """One risk decision: no personal data (no account, no key), only what was decided."""

    decision_id: str
    action: str
    outcome: Outcome
    factor: AuthFactor | None
    rules: tuple[str, ...]
    version: int | None
    at: datetime


@attrs.frozen
class RiskLabelled(DomainEvent):
    account: str
    label: RiskLabel
    decisions: int
    at: datetime


# -- the key ------------------------------------------------------------------------------


@attrs.define
class RiskKey(Aggregate):
    """What risk control holds about one key (see the module docstring)."""

    id: str
    listing: Listing | None = None
    ticks: list[Tick] = flat_field(list)
    links: list[str] = flat_field(list)
    decisions: list[RiskAssessment] = flat_field(list)
    label: RiskLabel | None = None

    @classmethod
    def open(cls, key: str) -> RiskKey:
        kind_of(key)  # a known kind
        return cls(id=key)

    @property
    def kind(self) -> KeyKind:
        return kind_of(self.id)

    # -- lists ----------------------------------------------------------------------------

    def listed(self, at: datetime) -> ListColor | None:
        listing = self.listing
        return listing.color if listing is not None and listing.holds(at) else None

    def put_on_list(
        self, color: ListColor, reason: str, expires_at: datetime | None, at: datetime
    ) -> None:
        if not isinstance(reason, str) or not reason.strip():
            raise InvalidRiskInput(f"listing {self.id!r} needs a reason, got {reason!r}")
        if expires_at is not None and expires_at <= at:
            raise InvalidRiskInput(
                f"listing {self.id!r} would expire at {expires_at}, not after now ({at})"
            )
        color = ListColor(color)
        self.listing = Listing(color, reason, at, expires_at)
        self.record(KeyListed(self.id, color, reason, expires_at, at))

    def take_off_list(self, at: datetime) -> None:
        color = self.listed(at)
        if color is None:
            raise NotListed(f"key {self.id!r} is on no list")
        self.listing = None
        self.record(KeyUnlisted(self.id, color, at))

    # -- velocity -------------------------------------------------------------------------

    def tick(self, counter: str, at: datetime, amount_minor: int = 0, member: str = "") -> None:
        """Count one event; prune the ticks older than :data:`RETENTION` before ``at``."""
        oldest = at - RETENTION
        if self.ticks and self.ticks[0].at <= oldest:
            self.ticks = [tick for tick in self.ticks if tick.at > oldest]
        tick = Tick(counter, at, amount_minor, member)
        if self.ticks and at < self.ticks[-1].at:  # a clock behind another: kept in order
            bisect.insort(self.ticks, tick, key=_tick_time)
        else:
            self.ticks.append(tick)
        if len(self.ticks) > MAX_TICKS:
            del self.ticks[: len(self.ticks) - MAX_TICKS]

    def within(self, counter: str, at: datetime, window: timedelta) -> Iterator[Tick]:
        """The ticks of ``counter`` in the window ``(at - window, at]``, newest first. Ticks
        are kept in the order they were counted, which is time order (the clock's), so the
        scan stops at the first tick older than the window."""
        since = at - window
        for tick in reversed(self.ticks):
            if tick.at <= since:
                return
            if tick.counter == counter and tick.at <= at:
                yield tick

    def count(self, counter: str, at: datetime, window: timedelta) -> int:
        return sum(1 for _ in self.within(counter, at, window))

    def total_minor(self, counter: str, at: datetime, window: timedelta) -> int:
        return sum(tick.amount_minor for tick in self.within(counter, at, window))

    def members(self, counter: str, at: datetime, window: timedelta) -> set[str]:
        return {tick.member for tick in self.within(counter, at, window)}

    # -- the identity graph ---------------------------------------------------------------

    def link(self, other: str) -> bool:
        """Link ``other`` (once, up to :data:`MAX_LINKS`); whether it is new."""
        if other == self.id or other in self.links or len(self.links) >= MAX_LINKS:
            return False
        self.links.append(other)
        return True

    # -- decisions and labels -------------------------------------------------------------

    def decision(self, decision_id: str) -> RiskAssessment | None:
        for found in self.decisions:
            if found.decision_id == decision_id:
                return found
        return None

    def remember(self, assessment: RiskAssessment) -> None:
        self.decisions.append(assessment)
        if len(self.decisions) > MAX_DECISIONS:
            del self.decisions[: len(self.decisions) - MAX_DECISIONS]
        self.record(
            RiskDecided(
                assessment.decision_id,
                assessment.action,
                assessment.outcome,
                assessment.factor,
                assessment.rules,
                assessment.version,
                assessment.at,
            )
        )

    def set_label(self, label: RiskLabel, at: datetime) -> RiskLabel | None:
        """Label the account; the label it had before."""
        before = self.label
        self.label = RiskLabel(label)
        self.record(RiskLabelled(self.id, self.label, len(self.decisions), at))
        return before


# -- manual review ----------------------------------------------------------------------------


class ReviewStatus(enum.StrEnum):
    OPEN = "open"
    APPROVED = "approved"
    REJECTED = "rejected"
    EXPIRED = "expired"


class ReviewOutcome(enum.StrEnum):
    APPROVE = "approve"
    REJECT = "reject"


REVIEW_FLOW: StateMachine[ReviewStatus] = StateMachine(
    "risk review case",
    [
        (ReviewStatus.OPEN, "approve", ReviewStatus.APPROVED),
        (ReviewStatus.OPEN, "reject", ReviewStatus.REJECTED),
        (ReviewStatus.OPEN, "expire", ReviewStatus.EXPIRED),
    ],
)


@attrs.frozen
class ReviewOpened(DomainEvent):
    case_id: str
    action: str
    reference: str
    due_at: datetime
    at: datetime


@attrs.frozen
class ReviewClosed(DomainEvent):
    """A case ended: ``outcome`` drives the held action on (approve: go on, reject: stop);
    ``reviewer`` is ``None`` when the timeout decided (status ``expired``)."""

    case_id: str
    action: str
    reference: str
    status: ReviewStatus
    outcome: ReviewOutcome
    reviewer: str | None
    at: datetime


@attrs.define
class ReviewCase(Aggregate):
    """A decision sent to manual review. Its id is the decision's id; ``reference`` is what
    it holds (an order, a refund, a withdrawal id); by ``due_at`` a reviewer approves or
    rejects it, else the timeout closes it with ``on_timeout``."""

    id: str
    action: str
    subject: str
    reference: str
    rules: tuple[str, ...]
    opened_at: datetime
    due_at: datetime
    on_timeout: ReviewOutcome
    status: ReviewStatus = ReviewStatus.OPEN
    reviewer: str | None = None
    note: str = ""
    closed_at: datetime | None = None

    @classmethod
    def open(
        cls,
        assessment: RiskAssessment,
        reference: str,
        timeout: timedelta,
        on_timeout: ReviewOutcome,
    ) -> ReviewCase:
        if timeout <= timedelta(0):
            raise InvalidRiskInput(f"a review needs a positive timeout, not {timeout}")
        at = assessment.at
        case = cls(
            id=assessment.decision_id,
            action=assessment.action,
            subject=assessment.subject,
            reference=reference,
            rules=assessment.rules,
            opened_at=at,
            due_at=at + timeout,
            on_timeout=ReviewOutcome(on_timeout),
        )
        case.record(ReviewOpened(case.id, case.action, reference, case.due_at, at))
        return case

    def decide(self, outcome: ReviewOutcome, reviewer: str, note: str, at: datetime) -> None:
        if not isinstance(reviewer, str) or not reviewer.strip():
            raise InvalidRiskInput(
                f"review case {self.id!r}: a reviewer is named, not {reviewer!r}"
            )
        outcome = ReviewOutcome(outcome)
        command = "approve" if outcome is ReviewOutcome.APPROVE else "reject"
        target = REVIEW_FLOW.target(self.status, command)  # check
        event = ReviewClosed(self.id, self.action, self.reference, target, outcome, reviewer, at)
        self.reviewer, self.note, self.closed_at = reviewer, note, at
        REVIEW_FLOW.move(self, command, event)

    def expire(self, at: datetime) -> bool:
        """Close the case by its timeout if it is open and due; whether it did."""
        if self.status is not ReviewStatus.OPEN or at < self.due_at:
            return False
        event = ReviewClosed(
            self.id, self.action, self.reference, ReviewStatus.EXPIRED, self.on_timeout, None, at
        )
        self.closed_at = at
        REVIEW_FLOW.move(self, "expire", event)
        return True


# -- rule scores ------------------------------------------------------------------------------

#: The id of the one :class:`RuleScores` document.
RULE_SCORES_ID = "rules"


@attrs.frozen
class RuleCount:
    """Labelled decisions a rule fired on: with a bad label (fraud, chargeback), with a
    legit one."""

    bad: int = 0
    legit: int = 0


@attrs.frozen
class RuleScore:
    """A rule's precision (bad among its labelled firings) and recall (its share of the
    bad decisions), rounded half-even to 4 places; ``None`` with nothing to divide by."""

    rule: str
    fired_bad: int
    fired_legit: int
    precision: Decimal | None
    recall: Decimal | None


_PLACES = Decimal("0.0001")


def _ratio(part: int, whole: int) -> Decimal | None:
    if whole == 0:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(_PLACES, ROUND_HALF_EVEN)


@attrs.define
class RuleScores(Aggregate):
    """Per rule, the labelled decisions it fired on; the labelled decisions in all."""

    id: str = RULE_SCORES_ID
    counts: dict[str, RuleCount] = flat_field(dict)
    bad_decisions: int = 0
    legit_decisions: int = 0

    def apply(self, decisions: Iterable[RiskAssessment], label: RiskLabel, sign: int) -> None:
        """Count (``sign`` 1) or uncount (-1) ``decisions`` labelled ``label``."""
        assert sign in (1, -1)
        bad = label.bad
        for decision in decisions:
            if bad:
                self.bad_decisions += sign
            else:
                self.legit_decisions += sign
            for rule in dict.fromkeys(decision.rules):
                count = self.counts.get(rule, RuleCount())
                count = (
                    RuleCount(count.bad + sign, count.legit)
                    if bad
                    else RuleCount(count.bad, count.legit + sign)
                )
                self.counts[rule] = count
                assert count.bad >= 0, count
                assert count.legit >= 0, count

    def report(self) -> tuple[RuleScore, ...]:
        return tuple(
            RuleScore(
                rule,
                count.bad,
                count.legit,
                _ratio(count.bad, count.bad + count.legit),
                _ratio(count.bad, self.bad_decisions),
            )
            for rule, count in sorted(self.counts.items())
        )
