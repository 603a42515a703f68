"""Risk control use cases: assess users and transactions, lists, the identity graph, the
review queue and labels.

Each handler is ``handler(cmd, uow, *, clock=..., ...)``: load the keys, call the model,
save, commit. An assessment is idempotent by its ``decision_id``: the same id with the same
subject answers the first assessment and counts nothing again; with another subject it
raises :class:`~merx.risk.AssessmentConflict`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import datetime, timedelta

import attrs

from merx import decisions
from merx.decisions import AllOf, AnyOf, Condition, Expr, Not, Source
from merx.kernel.bus import Command
from merx.kernel.clock import Clock
from merx.kernel.money import Money
from merx.kernel.uow import UnitOfWork, prefetch
from merx.payments import AuthFactor
from merx.risk.errors import (
    AssessmentConflict,
    InvalidRiskInput,
    UnknownReviewCase,
    UnknownRiskAccount,
)
from merx.risk.features import (
    USER_ACTIONS,
    FeaturePolicy,
    RiskAction,
    Subject,
    features,
    linked_accounts,
    tick_all,
)
from merx.risk.model import (
    RULE_SCORES_ID,
    AccountsLinked,
    FiredRule,
    KeyKind,
    ListColor,
    Outcome,
    ReviewCase,
    ReviewOutcome,
    RiskAssessment,
    RiskKey,
    RiskLabel,
    RuleScore,
    RuleScores,
    key_id,
    severity,
)
from merx.risk.packs import RISK_CALLER, read_variant
from merx.risk.ports import ReviewQueries, RiskScenarios

# -- commands ---------------------------------------------------------------------------------


@attrs.frozen
class AssessUser(Command[RiskAssessment]):
    """Decide a user action (registration, login, account change, an SMS code asked) of
    ``account`` from ``device`` (the app's device id), ``ip_digest`` and ``phone_digest``
    (the vault's digests: never the clear IP or phone). Counts the action on each key and
    links the account to its device and phone."""

    decision_id: str
    action: RiskAction
    account: str
    device: str | None = None
    ip_digest: str | None = None
    phone_digest: str | None = None


@attrs.frozen
class AssessTransaction(Command[RiskAssessment]):
    """Decide a transaction (order, payment, refund, withdrawal, coupon claim) of
    ``account``: its ``amount``, the ``counterparty`` account (the merchant), the
    ``campaign`` of a coupon claim, and ``reference`` (the order, refund or withdrawal a
    review would hold)."""

    decision_id: str
    action: RiskAction
    account: str
    amount: Money | None = None
    counterparty: str | None = None
    campaign: str | None = None
    device: str | None = None
    ip_digest: str | None = None
    reference: str = ""


@attrs.frozen
class ListKey(Command[None]):
    """Put a key (``kind`` and value: a digest for personal kinds) on the ``color`` list,
    for ``reason``, until ``expires_at`` (``None``: until taken off). Listing a key again
    replaces its listing."""

    kind: KeyKind
    value: str
    color: ListColor
    reason: str
    expires_at: datetime | None = None


@attrs.frozen
class UnlistKey(Command[None]):
    """Take a key off its list (``NotListed`` when it is on none)."""

    kind: KeyKind
    value: str


@attrs.frozen
class LinkIdentity(Command[bool]):
    """``account`` used the identity key ``kind``/``value`` (a device id, the vault's digest
    of a phone, an address, a card or an ID number); whether the link is new."""

    account: str
    kind: KeyKind
    value: str


@attrs.frozen
class NoteDelivery(Command[None]):
    """A merchant's order ``reference`` was delivered, with (``tracked``) or without a
    carrier's tracking; untracked deliveries feed ``merchant_untracked_30d``. Once per
    reference."""

    merchant: str
    reference: str
    tracked: bool


@attrs.frozen
class DecideReview(Command[None]):
    """A reviewer approves or rejects an open review case."""

    case_id: str
    outcome: ReviewOutcome
    reviewer: str
    note: str = ""


@attrs.frozen
class ExpireReviews(Command[int]):
    """Close every open review case past its due instant with its ``on_timeout`` outcome;
    how many."""


@attrs.frozen
class LabelRisk(Command[None]):
    """What ``account`` turned out to be; every remembered decision about it is scored with
    the label (a new label replaces the old one's counts)."""

    account: str
    label: RiskLabel


@attrs.frozen
class ReviewPolicy:
    """How long a review may take and what its timeout decides, per action (reject when
    the action is not named)."""

    timeout: timedelta = timedelta(hours=24)
    on_timeout: tuple[tuple[RiskAction, ReviewOutcome], ...] = (
        (RiskAction.REFUND, ReviewOutcome.APPROVE),
        (RiskAction.PAYMENT, ReviewOutcome.APPROVE),
    )

    def outcome_on_timeout(self, action: RiskAction) -> ReviewOutcome:
        return dict(self.on_timeout).get(action, ReviewOutcome.REJECT)


# -- assessing --------------------------------------------------------------------------------


def _fingerprint(subject: Subject) -> str:
    return hashlib.sha256(repr(subject).encode()).hexdigest()[:32]


def _conditions(expr: Expr) -> Iterator[str]:
    if isinstance(expr, Condition):
        if expr.source is Source.CONTEXT:
            yield expr.name
    elif isinstance(expr, AllOf | AnyOf):
        for item in expr.items:
            yield from _conditions(item)
    elif isinstance(expr, Not):
        yield from _conditions(expr.item)


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _decide_by_rules(
    scenarios: RiskScenarios, subject: Subject, facts: dict[str, object]
) -> tuple[int | None, list[FiredRule]]:
    try:
        compiled, enabled = scenarios.compiled(subject.action.scenario)
    except (decisions.UnknownScenario, decisions.NotPublished):
        return None, []
    if not enabled:
        return compiled.number, []
    context = {name: value for name, value in facts.items() if name in compiled.input_names}
    compiled.check_call(RISK_CALLER, decisions.Access.EMBEDDED, context)
    decision = compiled.decide(subject.account, {}, context)
    if decision.reason is decisions.Reason.ERROR:
        raise InvalidRiskInput(f"scenario {compiled.key!r} failed: {decision.error}")
    matches = decision.matches or (
        ((decision.strategy, None),) if decision.strategy is not None else ()
    )
    rules = {strategy.name: strategy.rule for strategy in compiled.definition.strategies}
    fired: list[FiredRule] = []
    for name, output in matches:
        variant = output.variant if output is not None else decision.variant
        outcome, factor = read_variant(variant)
        read = dict.fromkeys(_conditions(rules[name]))
        values = tuple((field, _text(context.get(field))) for field in read)
        fired.append(FiredRule(name, outcome, factor, values))
    return compiled.number, fired


def _verdict(fired: list[FiredRule]) -> tuple[Outcome, AuthFactor | None]:
    if not fired:
        return Outcome.ALLOW, None
    worst = max(fired, key=lambda rule: severity(rule.outcome, rule.factor))
    return worst.outcome, worst.factor


def _list_rules(keys: dict[str, RiskKey], account_key: str, at: datetime) -> list[FiredRule]:
    """Black on any key denies (rule ``list_black_<kind>``); white on the account allows
    (``list_white``) unless a black one holds."""
    black = [
        FiredRule(f"list_black_{key.kind.value}", Outcome.DENY)
        for key in keys.values()
        if key.listed(at) is ListColor.BLACK
    ]
    if black:
        return black
    if keys[account_key].listed(at) is ListColor.WHITE:
        return [FiredRule("list_white", Outcome.ALLOW)]
    return []


def assess(
    subject: Subject,
    decision_id: str,
    uow: UnitOfWork,
    *,
    clock: Clock,
    scenarios: RiskScenarios,
    policy: FeaturePolicy,
    reviews: ReviewPolicy,
) -> RiskAssessment:
    """Count the event, compute its features, decide by lists then rules, remember the
    decision on the account, open a review case for a REVIEW; commit."""
    if not isinstance(decision_id, str) or not decision_id.strip():
        raise InvalidRiskInput(f"a decision id is a non-empty string, not {decision_id!r}")
    at = clock.now()
    repo = uow.repo(RiskKey)
    named = subject.keys()
    account_key = named[KeyKind.ACCOUNT]
    wanted = list(named.values())
    if subject.counterparty is not None:
        wanted.append(key_id(KeyKind.ACCOUNT, subject.counterparty))
    prefetch(repo, wanted)
    found = {key: repo.find(key) for key in dict.fromkeys(wanted)}
    account = found[account_key]
    fingerprint = _fingerprint(subject)
    if account is not None:
        replayed = account.decision(decision_id)
        if replayed is not None:
            if replayed.fingerprint != fingerprint:
                raise AssessmentConflict(
                    f"decision {decision_id!r} was asked before for another transaction"
                )
            return replayed
    keys = {key: held if held is not None else RiskKey.open(key) for key, held in found.items()}
    links = [link for link in keys[account_key].links if link not in keys]
    prefetch(repo, links)
    for link in links:
        held = repo.find(link)
        if held is not None:
            keys[link] = held
    listed = _list_rules(keys, account_key, at)
    changed = tick_all(subject, keys, policy, at)
    facts = features(subject, keys, at)
    version, fired = _decide_by_rules(scenarios, subject, facts)
    if listed:
        fired = [*listed, *fired]
        outcome, factor = listed[0].outcome, None
    else:
        outcome, factor = _verdict(fired)
    assessment = RiskAssessment(
        decision_id, subject.action.value, subject.account, outcome, factor, tuple(fired),
        version, at, fingerprint, decision_id if outcome is Outcome.REVIEW else None,
    )  # fmt: skip
    if outcome is Outcome.REVIEW:
        case = ReviewCase.open(
            assessment,
            subject.reference or decision_id,
            reviews.timeout,
            reviews.outcome_on_timeout(subject.action),
        )
        uow.repo(ReviewCase).add(case)
    keys[account_key].remember(assessment)
    for key in changed:  # only what changed: a shared key is not rewritten for nothing
        if found.get(key) is None and key in found:
            repo.add(keys[key])
        else:
            repo.save(keys[key])
    uow.commit()
    return assessment


def _subject_of_user(cmd: AssessUser) -> Subject:
    if cmd.action not in USER_ACTIONS:
        raise InvalidRiskInput(f"{cmd.action!r} is not a user action: AssessTransaction decides it")
    return Subject(RiskAction(cmd.action), cmd.account, cmd.device, cmd.ip_digest, cmd.phone_digest)


def _subject_of_transaction(cmd: AssessTransaction) -> Subject:
    action = RiskAction(cmd.action)
    if action in USER_ACTIONS:
        raise InvalidRiskInput(f"{action!r} is a user action: AssessUser decides it")
    if action is not RiskAction.COUPON_CLAIM and cmd.amount is None:
        raise InvalidRiskInput(f"a {action} assessment needs an amount")
    if action is RiskAction.COUPON_CLAIM and not cmd.campaign:
        raise InvalidRiskInput("a coupon claim assessment names its campaign")
    return Subject(
        action, cmd.account, cmd.device, cmd.ip_digest, None, cmd.counterparty, cmd.campaign,
        cmd.amount, cmd.reference,
    )  # fmt: skip


def assess_user(
    cmd: AssessUser,
    uow: UnitOfWork,
    *,
    clock: Clock,
    scenarios: RiskScenarios,
    policy: FeaturePolicy,
    reviews: ReviewPolicy,
) -> RiskAssessment:
    return assess(
        _subject_of_user(cmd), cmd.decision_id, uow, clock=clock, scenarios=scenarios,
        policy=policy, reviews=reviews,
    )  # fmt: skip


def assess_transaction(
    cmd: AssessTransaction,
    uow: UnitOfWork,
    *,
    clock: Clock,
    scenarios: RiskScenarios,
    policy: FeaturePolicy,
    reviews: ReviewPolicy,
) -> RiskAssessment:
    return assess(
        _subject_of_transaction(cmd), cmd.decision_id, uow, clock=clock, scenarios=scenarios,
        policy=policy, reviews=reviews,
    )  # fmt: skip


# -- lists and the graph ------------------------------------------------------------------------


def list_key(cmd: ListKey, uow: UnitOfWork, *, clock: Clock) -> None:
    key = key_id(KeyKind(cmd.kind), cmd.value)
    repo = uow.repo(RiskKey)
    found = repo.find(key)
    held = found if found is not None else RiskKey.open(key)
    held.put_on_list(ListColor(cmd.color), cmd.reason, cmd.expires_at, clock.now())
    repo.add(held) if found is None else repo.save(held)
    uow.commit()


def unlist_key(cmd: UnlistKey, uow: UnitOfWork, *, clock: Clock) -> None:
    key = key_id(KeyKind(cmd.kind), cmd.value)
    repo = uow.repo(RiskKey)
    found = repo.find(key)
    held = found if found is not None else RiskKey.open(key)
    held.take_off_list(clock.now())  # NotListed when none: nothing added
    repo.save(held)
    uow.commit()


def link_identity(cmd: LinkIdentity, uow: UnitOfWork, *, clock: Clock) -> bool:
    kind = KeyKind(cmd.kind)
    if kind is KeyKind.ACCOUNT:
        raise InvalidRiskInput("accounts are linked through identity keys, not directly")
    account_key = key_id(KeyKind.ACCOUNT, cmd.account)
    identity_key = key_id(kind, cmd.value)
    repo = uow.repo(RiskKey)
    prefetch(repo, [account_key, identity_key])
    account, identity = repo.find(account_key), repo.find(identity_key)
    held_account = account if account is not None else RiskKey.open(account_key)
    held_identity = identity if identity is not None else RiskKey.open(identity_key)
    new = held_identity.link(account_key)
    new = held_account.link(identity_key) or new
    if not new:
        return False
    held_account.record(AccountsLinked(cmd.account, identity_key, clock.now()))
    for found, held in ((account, held_account), (identity, held_identity)):
        repo.add(held) if found is None else repo.save(held)
    uow.commit()
    return True


def note_delivery(cmd: NoteDelivery, uow: UnitOfWork, *, clock: Clock) -> None:
    if cmd.tracked:
        return
    key = key_id(KeyKind.ACCOUNT, cmd.merchant)
    repo = uow.repo(RiskKey)
    found = repo.find(key)
    held = found if found is not None else RiskKey.open(key)
    if any(t.counter == "untracked_delivery" and t.member == cmd.reference for t in held.ticks):
        return
    held.tick("untracked_delivery", clock.now(), member=cmd.reference)
    repo.add(held) if found is None else repo.save(held)
    uow.commit()


def linked_accounts_of(uow: UnitOfWork, account: str) -> frozenset[str]:
    """The accounts sharing a device, phone, address, card or ID with ``account``: one
    hop, at most :data:`~merx.risk.model.MAX_LINKS` keys read, each read by its id."""
    repo = uow.repo(RiskKey)
    held = repo.peek(key_id(KeyKind.ACCOUNT, account))
    if held is None:
        return frozenset()
    prefetch(repo, held.links)
    return frozenset(linked_accounts(held, repo.peek))


# -- reviews and labels -----------------------------------------------------------------------


def decide_review(cmd: DecideReview, uow: UnitOfWork, *, clock: Clock) -> None:
    repo = uow.repo(ReviewCase)
    case = repo.find(cmd.case_id)
    if case is None:
        raise UnknownReviewCase(f"no review case {cmd.case_id!r}")
    case.decide(ReviewOutcome(cmd.outcome), cmd.reviewer, cmd.note, clock.now())
    repo.save(case)
    uow.commit()


def expire_reviews(
    cmd: ExpireReviews, uow: UnitOfWork, *, clock: Clock, queries: ReviewQueries
) -> int:
    at = clock.now()
    repo = uow.repo(ReviewCase)
    closed = 0
    for case_id in queries.reviews_due_by(at):
        case = repo.find(case_id)
        if case is not None and case.expire(at):
            repo.save(case)
            closed += 1
    uow.commit()
    return closed


def label_risk(cmd: LabelRisk, uow: UnitOfWork, *, clock: Clock) -> None:
    label = RiskLabel(cmd.label)
    repo = uow.repo(RiskKey)
    key = key_id(KeyKind.ACCOUNT, cmd.account)
    account = repo.find(key)
    if account is None:
        raise UnknownRiskAccount(f"risk control holds nothing about account {cmd.account!r}")
    scores_repo = uow.repo(RuleScores)
    found = scores_repo.find(RULE_SCORES_ID)
    scores = found if found is not None else RuleScores()
    before = account.set_label(label, clock.now())
    if before is not None:
        scores.apply(account.decisions, before, -1)
    scores.apply(account.decisions, label, 1)
    repo.save(account)
    scores_repo.add(scores) if found is None else scores_repo.save(scores)
    uow.commit()


def rule_report(uow: UnitOfWork) -> tuple[RuleScore, ...]:
    """Each rule's precision and recall over the labelled decisions."""
    scores = uow.repo(RuleScores).peek(RULE_SCORES_ID)
    return scores.report() if scores is not None else ()
