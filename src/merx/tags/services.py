"""Tags use cases: define and move tags through their life cycle, store values pushed or
batch-loaded by the host, record merx's own events as user activity, and read a
subject's tags at an instant (:func:`values_of`) and the catalog (:func:`tag_catalog`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import attrs

from merx.aftersales import AfterSale, AfterSaleCompleted
from merx.credit import CreditAccountOpened, CreditApplicationApproved
from merx.installments import InstallmentPlanOpened
from merx.kernel.bus import Command, reads_ahead
from merx.kernel.clock import Clock, require_aware, today
from merx.kernel.events import DomainEvent
from merx.kernel.ids import CustomerId
from merx.kernel.money import Money
from merx.kernel.uow import UnitOfWork, prefetch
from merx.orders import Order, OrderCompleted, OrderPaid
from merx.tags.activity import (
    BUILTIN_TAGS,
    CreditGradeFact,
    Fact,
    InstallmentFact,
    OrderCompletedFact,
    OrderPaidFact,
    RefundFact,
    UserActivity,
)
from merx.tags.errors import TagAlreadyDefined, UnknownTag
from merx.tags.model import (
    DataSource,
    Subject,
    SubjectTags,
    TagCatalog,
    TagCatalogVersion,
    TagDefinition,
    TagKind,
    TagSpec,
    TagStatus,
    TagValue,
)

# -- the catalog -----------------------------------------------------------------------


@attrs.frozen
class DefineTag(Command[str]):
    """Define a tag, as a draft."""

    spec: TagSpec


@attrs.frozen
class ReviseTag(Command[None]):
    """Change a draft tag's definition (its name stays)."""

    spec: TagSpec


@attrs.frozen
class PublishTag(Command[None]):
    name: str


@attrs.frozen
class RetireTag(Command[None]):
    """Take a tag offline: it takes no values, reads without it, rules may not use it."""

    name: str


@attrs.frozen
class RestoreTag(Command[None]):
    """Bring an offline tag back online, with its stored values (those past their TTL
    stay expired)."""

    name: str


@attrs.frozen
class InstallBuiltinTags(Command[tuple[str, ...]]):
    """Define and publish merx's built-in user tags that are not defined yet; returns the
    names it installed."""


def _catalog_changed(uow: UnitOfWork) -> None:
    """Bump the catalog's version (:class:`TagCatalogVersion`) with this commit."""
    repo = uow.repo(TagCatalogVersion)
    version = repo.find(TagCatalogVersion.KEY)
    if version is None:
        version = TagCatalogVersion()
        version.bump()
        repo.add(version)
    else:
        version.bump()
        repo.save(version)


def define_tag(cmd: DefineTag, uow: UnitOfWork) -> str:
    repo = uow.repo(TagDefinition)
    if repo.find(cmd.spec.name) is not None:
        raise TagAlreadyDefined(f"tag {cmd.spec.name!r} is defined already")
    repo.add(TagDefinition.define(cmd.spec))
    _catalog_changed(uow)
    uow.commit()
    return cmd.spec.name


def _definition(uow: UnitOfWork, name: str) -> TagDefinition:
    definition = uow.repo(TagDefinition).find(name)
    if definition is None:
        raise UnknownTag(name)
    return definition


def revise_tag(cmd: ReviseTag, uow: UnitOfWork) -> None:
    _move(uow, cmd.spec.name, lambda definition: definition.revise(cmd.spec))


def _move(uow: UnitOfWork, name: str, step: Callable[[TagDefinition], None]) -> None:
    definition = _definition(uow, name)
    step(definition)
    uow.repo(TagDefinition).save(definition)
    _catalog_changed(uow)
    uow.commit()


def publish_tag(cmd: PublishTag, uow: UnitOfWork, *, clock: Clock) -> None:
    _move(uow, cmd.name, lambda definition: definition.publish(clock.now()))


def retire_tag(cmd: RetireTag, uow: UnitOfWork, *, clock: Clock) -> None:
    _move(uow, cmd.name, lambda definition: definition.retire(clock.now()))


def restore_tag(cmd: RestoreTag, uow: UnitOfWork, *, clock: Clock) -> None:
    _move(uow, cmd.name, lambda definition: definition.restore(clock.now()))


def install_builtin_tags(
    cmd: InstallBuiltinTags, uow: UnitOfWork, *, clock: Clock
) -> tuple[str, ...]:
    repo = uow.repo(TagDefinition)
    installed: list[str] = []
    for spec in BUILTIN_TAGS:
        if repo.find(spec.name) is None:
            definition = TagDefinition.define(spec)
            definition.publish(clock.now())
            repo.add(definition)
            installed.append(spec.name)
    if installed:
        _catalog_changed(uow)
    uow.commit()
    return tuple(installed)


# -- stored values ---------------------------------------------------------------------


def _copied(values: Mapping[str, object]) -> dict[str, object]:
    """A command's own copy of the values it was given."""
    return dict(values)


@attrs.frozen
class PushTagValues(Command[None]):
    """The host pushes values of ``pushed`` tags for one subject (all or none stored)."""

    subject: Subject
    values: Mapping[str, object] = attrs.field(converter=_copied)


@attrs.frozen
class LoadBatchValues(Command[int]):
    """The host's batch job loads one ``batch`` tag's values, by subject id; returns how
    many subjects it stored (all or none)."""

    tag: str
    values: Mapping[str, object] = attrs.field(converter=_copied)


def _store(
    uow: UnitOfWork,
    subject: Subject,
    values: Mapping[str, object],
    *,
    definitions: Mapping[str, TagDefinition],
    via: DataSource,
    at: datetime,
) -> None:
    """Set ``values`` on ``subject``'s stored tags (made on its first value)."""
    subjects = uow.repo(SubjectTags)
    held = subjects.find(subject.key)
    if held is None:
        held = SubjectTags.of(subject)
        held.set_values(values, definitions, via, at)
        subjects.add(held)
    else:
        held.set_values(values, definitions, via, at)
        subjects.save(held)


def push_tag_values(cmd: PushTagValues, uow: UnitOfWork, *, clock: Clock) -> None:
    definitions = {name: _definition(uow, name) for name in cmd.values}
    _store(
        uow, cmd.subject, cmd.values, definitions=definitions, via=DataSource.PUSHED, at=clock.now()
    )
    uow.commit()


def load_batch_values(cmd: LoadBatchValues, uow: UnitOfWork, *, clock: Clock) -> int:
    definition = _definition(uow, cmd.tag)
    subjects: dict[Subject, TagValue] = {}
    for subject_id, value in cmd.values.items():  # every value checked before any is stored
        checked = definition.accept(value, DataSource.BATCH)
        subjects[Subject(definition.spec.kind, subject_id)] = checked
    prefetch(uow.repo(SubjectTags), [subject.key for subject in subjects])
    at = clock.now()
    for subject, value in subjects.items():
        _store(
            uow,
            subject,
            {cmd.tag: value},
            definitions={cmd.tag: definition},
            via=DataSource.BATCH,
            at=at,
        )
    uow.commit()
    return len(subjects)


# -- reading ---------------------------------------------------------------------------


def tag_catalog(uow: UnitOfWork) -> TagCatalog:
    """Every defined tag by name, whatever its status (read only: do not change them).
    A definition's ``value_type`` and ``status`` are what rules are checked against."""
    repo = uow.repo(TagDefinition)
    return TagCatalog(repo.view(name) for name in repo.ids())


def values_of(
    uow: UnitOfWork, subject: Subject, at: datetime, catalog: TagCatalog | None = None
) -> dict[str, TagValue]:
    """The values ``subject``'s online tags have at ``at``: those stored and live (an
    expired value is absent), and for a user the built-in tags computed from the user's
    activity. A tag with no value is absent from the result. ``catalog`` is
    :func:`tag_catalog`'s answer, read once by a caller that reads many subjects (by
    default it is read here)."""
    require_aware(at)
    catalog = tag_catalog(uow) if catalog is None else catalog
    values: dict[str, TagValue] = {}
    if subject.kind is TagKind.USER and catalog.computed:
        activity = uow.repo(UserActivity).peek(subject.id)
        computed = (activity or UserActivity(id=CustomerId(subject.id))).tag_values(at)
        wanted = catalog.computed
        values.update((name, value) for name, value in computed.items() if name in wanted)
    held = uow.repo(SubjectTags).peek(subject.key)
    if held is not None:
        stored = held.values_at(at, catalog.online)
        if not values:
            return stored
        values.update(stored)
    return values


def catalog_version(uow: UnitOfWork) -> int:
    """The catalog's version (:class:`TagCatalogVersion`; 0 before any change)."""
    found = uow.repo(TagCatalogVersion).peek(TagCatalogVersion.KEY)
    return 0 if found is None else found.number


class TagCatalogCache:
    """The tag catalog, read once per catalog version and held for the next reads.

    Each read asks the store one small document, the catalog's version
    (:class:`TagCatalogVersion`), which every change of a definition bumps in its own
    commit; the definitions are read again only when it moved. The version is read
    before the definitions, so a catalog held is never older than the version it is held
    under: a change committed meanwhile (by this process or any other on the same store)
    is seen at the latest by the next read. Threads may share one cache: each keeps a
    version with the catalog read after it, in one assignment. No global state: an app's
    ports own theirs.
    """

    def __init__(self) -> None:
        self._held: tuple[int, TagCatalog] | None = None
        #: how many times the definitions were read (for tests and benchmarks)
        self.reads = 0

    def catalog(self, uow: UnitOfWork) -> TagCatalog:
        """The catalog as ``uow`` sees it: the one held if its version is current."""
        number = catalog_version(uow)
        held = self._held
        if held is not None and held[0] == number:
            return held[1]
        catalog = tag_catalog(uow)
        self._held = (number, catalog)
        self.reads += 1
        return catalog

    def values_of(self, uow: UnitOfWork, subject: Subject, at: datetime) -> dict[str, TagValue]:
        """:func:`values_of` with the cached catalog: the catalog's version, the
        subject's stored values and (for a user, when the catalog has computed tags) the
        user's activity come in one read from a store that reads many at once."""
        prefetch(uow.repo(TagCatalogVersion), [TagCatalogVersion.KEY])
        held = self._held
        if subject.kind is TagKind.USER and (held is None or held[1].computed):
            prefetch(uow.repo(UserActivity), [subject.id])
        prefetch(uow.repo(SubjectTags), [subject.key])
        return values_of(uow, subject, at, self.catalog(uow))


def tag_status(uow: UnitOfWork, name: str) -> TagStatus:
    """The status of tag ``name`` (:class:`UnknownTag` if none)."""
    definition = uow.repo(TagDefinition).peek(name)
    if definition is None:
        raise UnknownTag(name)
    return definition.status


# -- merx's own events as facts --------------------------------------------------------


def _spend(amount: Money, currency: str) -> Decimal:
    return amount.amount if amount.currency == currency else Decimal(0)


def fact_of(
    event: DomainEvent, uow: UnitOfWork, *, currency: str, on: date | None = None
) -> Fact | None:
    """The fact ``event`` tells about a user (``None``: nothing the tags count), looking
    up the order or case it names in ``uow``. ``on``: the business day the event is
    recorded, the date of an installment plan or a credit grade (their events carry no
    instant; ``None`` when unknown, as in a backfill)."""
    if isinstance(event, OrderPaid):
        order = uow.repo(Order).peek(event.order_id)
        if order is None:
            return None
        categories: dict[str, Decimal] = {}
        for line in order.lines:
            spent = _spend(line.net, currency)
            categories[line.category] = categories.get(line.category, Decimal(0)) + spent
        return OrderPaidFact(
            f"paid:{order.id}",
            order.customer_id,
            event.at,
            _spend(event.amount, currency),
            tuple(sorted(categories.items())),
        )
    if isinstance(event, OrderCompleted):
        order = uow.repo(Order).peek(event.order_id)
        if order is None:
            return None
        return OrderCompletedFact(f"completed:{order.id}", order.customer_id, event.at)
    if isinstance(event, AfterSaleCompleted):
        case = uow.repo(AfterSale).peek(event.case_id)
        order = None if case is None else uow.repo(Order).peek(case.order_id)
        if order is None:
            return None
        refunded = _spend(event.refunded, currency)
        return RefundFact(f"refund:{event.case_id}", order.customer_id, event.at, refunded)
    if isinstance(event, InstallmentPlanOpened):
        return InstallmentFact(f"plan:{event.plan_id}", event.customer_id, on)
    if isinstance(event, CreditApplicationApproved):
        key = f"grade:application:{event.application_id}"
        return CreditGradeFact(key, event.customer_id, event.grade, on)
    if isinstance(event, CreditAccountOpened):
        key = f"grade:account:{event.customer_id}"
        return CreditGradeFact(key, event.customer_id, event.grade, on)
    return None


#: The events the built-in tags are computed from.
ACTIVITY_EVENTS: tuple[type[DomainEvent], ...] = (
    OrderPaid,
    OrderCompleted,
    AfterSaleCompleted,
    InstallmentPlanOpened,
    CreditApplicationApproved,
    CreditAccountOpened,
)


def _activity_ahead(event: DomainEvent) -> list[tuple[type[Any], str]]:
    customer = getattr(event, "customer_id", None)
    return [] if customer is None else [(UserActivity, str(customer))]


@reads_ahead(_activity_ahead)
def record_activity(
    event: DomainEvent, uow: UnitOfWork, *, currency: str, clock: Clock | None = None
) -> None:
    """Subscriber of :data:`ACTIVITY_EVENTS`: fold the event's fact into the user's
    activity (a fact already applied changes nothing; an installment plan or a credit
    grade is dated with ``clock``'s business day, when given)."""
    on = None if clock is None else today(clock)
    fact = fact_of(event, uow, currency=currency, on=on)
    if fact is None:
        return
    repo = uow.repo(UserActivity)
    found = repo.find(fact.customer_id)
    activity = found or UserActivity(id=fact.customer_id)
    if activity.apply(fact):
        if isinstance(fact, OrderPaidFact | RefundFact | OrderCompletedFact):
            activity.prune(fact.at)  # what no window sees any more, from the fact on
        if found is None:  # known absent: no second read to tell add from save
            repo.add(activity)
        else:
            repo.save(activity)
        uow.commit()


def _in_order(events: Iterable[DomainEvent]) -> tuple[DomainEvent, ...]:
    return tuple(events)


@attrs.frozen
class BackfillUserActivity(Command[int]):
    """Rebuild the activity of every user ``events`` name from those events (the history:
    an outbox archive, a broker's log), replacing what was recorded; returns how many
    users it rebuilt. Events of other kinds are skipped."""

    events: tuple[DomainEvent, ...] = attrs.field(converter=_in_order)


def facts_of(events: Iterable[DomainEvent], uow: UnitOfWork, *, currency: str) -> list[Fact]:
    """The facts ``events`` tell, in their order."""
    facts = (fact_of(event, uow, currency=currency) for event in events)
    return [fact for fact in facts if fact is not None]


def backfill_user_activity(cmd: BackfillUserActivity, uow: UnitOfWork, *, currency: str) -> int:
    facts: dict[CustomerId, list[Fact]] = {}
    for fact in facts_of(cmd.events, uow, currency=currency):
        facts.setdefault(fact.customer_id, []).append(fact)
    repo = uow.repo(UserActivity)
    for customer_id, told in facts.items():
        activity = repo.find(customer_id)
        fresh = activity is None
        activity = activity or UserActivity(id=customer_id)
        activity.rebuild(told)
        dated = [
            f.at for f in told if isinstance(f, OrderPaidFact | RefundFact | OrderCompletedFact)
        ]
        if dated:
            activity.prune(max(dated))
        if fresh:
            repo.add(activity)
        else:
            repo.save(activity)
    uow.commit()
    return len(facts)
