"""Experiment use cases: define, start, stop, reweigh, assign (sticky, with an exposure
event), and count conversions from paid orders."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol, TypeVar

import attrs

from merx.experiments.model import (
    Experiment,
    ExperimentStatus,
    Namespace,
    NamespaceRange,
    SubjectAssignments,
    Variation,
    VariationResult,
)
from merx.kernel.bus import Command, reads_ahead
from merx.kernel.clock import Clock
from merx.kernel.errors import ConcurrencyError, ValidationError
from merx.kernel.uow import UnitOfWork, add_or_save, prefetch
from merx.orders import ParentOrder, ParentOrderPaid

R = TypeVar("R")


@attrs.frozen
class DefineExperiment(Command[str]):
    """Define a draft experiment; with a ``namespace`` it claims that range, refused when
    it overlaps another experiment's (:class:`~merx.experiments.NamespaceOverlap`)."""

    key: str
    variations: tuple[Variation, ...]
    coverage: Decimal = Decimal(1)
    seed: str | None = None
    hash_version: int = 2
    namespace: NamespaceRange | None = None


@attrs.frozen
class StartExperiment(Command[None]):
    key: str


@attrs.frozen
class StopExperiment(Command[None]):
    """Stop assigning; the experiment's namespace range is free for another."""

    key: str


@attrs.frozen
class ReweighExperiment(Command[None]):
    """New weights (one per variation, in order) and coverage for a draft or running
    experiment; subjects already exposed keep their variation."""

    key: str
    weights: tuple[Decimal, ...]
    coverage: Decimal


@attrs.frozen
class AssignVariation(Command[str | None]):
    """The variation key ``subject_id`` sees in a running experiment, or ``None`` (not
    running, outside its namespace range or coverage). The first assignment is kept for
    good and records :class:`~merx.experiments.SubjectExposed`."""

    experiment_key: str
    subject_id: str


@attrs.frozen
class RecordExposure(Command[str | None]):
    """Keep ``variation_key`` as ``subject_id``'s sticky variation in experiment
    ``experiment_key``, exposed at ``at`` (what :class:`StoredAssigner` records with a
    decision); returns the variation kept. Nothing changes if the subject already has a
    variation there (that one is returned: the first exposure stands) or the experiment
    is no longer running (``None``)."""

    experiment_key: str
    subject_id: str
    variation_key: str
    at: datetime


def define_experiment(cmd: DefineExperiment, uow: UnitOfWork) -> str:
    experiment = Experiment.define(
        key=cmd.key,
        variations=cmd.variations,
        coverage=cmd.coverage,
        seed=cmd.seed,
        hash_version=cmd.hash_version,
        namespace=cmd.namespace,
    )
    namespace = None
    if cmd.namespace is not None:
        namespace = uow.repo(Namespace).find(cmd.namespace.namespace) or Namespace(
            id=cmd.namespace.namespace
        )
        namespace.claim(experiment.key, cmd.namespace)
    uow.repo(Experiment).add(experiment)
    if namespace is not None:
        add_or_save(uow.repo(Namespace), namespace)
    uow.commit()
    return experiment.key


def start_experiment(cmd: StartExperiment, uow: UnitOfWork) -> None:
    experiment = uow.repo(Experiment).get(cmd.key)
    experiment.start()
    uow.repo(Experiment).save(experiment)
    uow.commit()


def stop_experiment(cmd: StopExperiment, uow: UnitOfWork) -> None:
    experiment = uow.repo(Experiment).get(cmd.key)
    experiment.stop()
    uow.repo(Experiment).save(experiment)
    if experiment.namespace is not None:
        namespace = uow.repo(Namespace).get(experiment.namespace.namespace)
        namespace.release(experiment.key)
        uow.repo(Namespace).save(namespace)
    uow.commit()


def reweigh_experiment(cmd: ReweighExperiment, uow: UnitOfWork) -> None:
    experiment = uow.repo(Experiment).get(cmd.key)
    experiment.reweigh(cmd.weights, cmd.coverage)
    uow.repo(Experiment).save(experiment)
    uow.commit()


def assign_variation(cmd: AssignVariation, uow: UnitOfWork, *, clock: Clock) -> str | None:
    if not cmd.subject_id:
        raise ValidationError("subject id must not be empty")
    experiment = uow.repo(Experiment).view(cmd.experiment_key)
    if experiment.status is not ExperimentStatus.RUNNING:
        return None
    subject = uow.repo(SubjectAssignments).find(cmd.subject_id)
    if subject is not None and experiment.key in subject.assignments:
        return subject.assignments[experiment.key].variation_key
    variation = experiment.variation_for(cmd.subject_id)
    if variation is None:
        return None
    _expose(
        uow, subject, subject_id=cmd.subject_id, experiment_key=experiment.key,
        variation_key=variation, at=clock.now(),
    )  # fmt: skip
    uow.commit()
    return variation


def _expose(
    uow: UnitOfWork,
    subject: SubjectAssignments | None,
    *,
    subject_id: str,
    experiment_key: str,
    variation_key: str,
    at: datetime,
) -> None:
    """Stage the first exposure: on the subject's own document only (the experiment's is
    not written, so exposures of many subjects never contend)."""
    repo = uow.repo(SubjectAssignments)
    if subject is None:
        subject = SubjectAssignments(id=subject_id)
        subject.assign(experiment_key, variation_key, at)
        repo.add(subject)
    else:
        subject.assign(experiment_key, variation_key, at)
        repo.save(subject)


def record_exposure(cmd: RecordExposure, uow: UnitOfWork) -> str | None:
    experiment = uow.repo(Experiment).view(cmd.experiment_key)
    if experiment.status is not ExperimentStatus.RUNNING:
        return None
    if cmd.variation_key not in {variation.key for variation in experiment.variations}:
        raise ValidationError(
            f"experiment {experiment.key!r} has no variation {cmd.variation_key!r}"
        )
    subject = uow.repo(SubjectAssignments).find(cmd.subject_id)
    if subject is not None and experiment.key in subject.assignments:
        return subject.assignments[experiment.key].variation_key  # the first one stands
    _expose(
        uow, subject, subject_id=cmd.subject_id, experiment_key=experiment.key,
        variation_key=cmd.variation_key, at=cmd.at,
    )  # fmt: skip
    uow.commit()
    return cmd.variation_key


def experiment_results(uow: UnitOfWork, experiment_key: str) -> tuple[VariationResult, ...]:
    """Experiment ``experiment_key``'s results (:meth:`Experiment.results`), counted from
    every subject's assignments: an analysis read over all exposed subjects (one read of
    them all where the store reads many at once), not a hot-path one."""
    experiment = uow.repo(Experiment).view(experiment_key)
    repo = uow.repo(SubjectAssignments)
    ids = list(repo.ids())
    prefetch(repo, ids)
    exposed = []
    for subject_id in ids:
        subject = repo.peek(subject_id)
        if subject is not None and experiment_key in subject.assignments:
            exposed.append(subject.assignments[experiment_key])
    return experiment.results(exposed)


def _assignments_ahead(event: ParentOrderPaid) -> list[tuple[type[Any], str]]:
    customer = event.customer_id
    return [] if customer is None else [(SubjectAssignments, str(customer))]


@reads_ahead(_assignments_ahead)
def count_conversions(event: ParentOrderPaid, uow: UnitOfWork) -> None:
    """Subscriber: the customer who paid converts in every running experiment they were
    exposed to at or before the payment (once per subject and experiment)."""
    customer_id = event.customer_id
    if customer_id is None:  # stored before the event carried it
        customer_id = uow.repo(ParentOrder).get(event.parent_id).customer_id
    subject = uow.repo(SubjectAssignments).find(str(customer_id))
    pending = [] if subject is None else subject.unconverted_before(event.at)
    if subject is None or not pending:
        return  # nothing to count: nothing written
    for key, _ in pending:
        experiment = uow.repo(Experiment).peek(key)
        if experiment is None or experiment.status is not ExperimentStatus.RUNNING:
            continue  # a stopped experiment's results stay as they were
        subject.mark_converted(key)
    if subject.pending_events:
        uow.repo(SubjectAssignments).save(subject)
        uow.commit()


class Handles(Protocol):
    """What runs commands: an app (:meth:`merx.app.App.handle`) or its bus."""

    def handle(self, command: Command[R], *, idempotency_key: str | None = None) -> R: ...


@attrs.frozen
class CommandAssigner:
    """``assign(experiment_key, subject_id) -> variation key or None`` (the decisions
    context's ``Assigner``) through :class:`AssignVariation`: sticky, with exposure events.
    ``commands`` is an app or its bus (the bus exists before the app is assembled); call it
    outside command handlers, as a query such as a decision is."""

    commands: Handles

    def assign(self, experiment_key: str, subject_id: str) -> str | None:
        return self.commands.handle(AssignVariation(experiment_key, subject_id))


class StoredAssigner:
    """The decisions context's ``Assigner`` over the store's experiments. A running
    experiment's stored sticky variation for the subject wins; else GrowthBook's
    assignment over the stored definition (:meth:`Experiment.variation_for`), read in a
    unit of work of its own that commits nothing. An unknown experiment, or one not
    running: ``None``.

    A first assignment is recorded with the decision: :class:`RecordExposure` is sent
    through :attr:`commands` (the app's bus, set when the app is assembled) at once, in
    its own unit of work and commit, and the variation it kept is the answer (a subject
    exposed meanwhile by another process keeps that first one). The exposure is the
    subject's own document (:class:`SubjectAssignments`): idempotent, and no counter
    shared by the experiment's subjects is rewritten. Asked inside a command handler (an
    audience decided while an order is placed), that commit is the exposure's own, apart
    from the command's: the exposure is durable even if the command then fails. Only
    when the commit cannot be had (the store busy past the bus's retries), or without
    :attr:`commands`, is it queued in :attr:`pending` and sent by :meth:`flush` (``App``
    does after each command and decision)."""

    def __init__(
        self,
        new_unit_of_work: Callable[[], UnitOfWork],
        clock: Clock,
        commands: Handles | None = None,
    ) -> None:
        self.new_unit_of_work = new_unit_of_work
        self.clock = clock
        #: where first exposures are recorded at once (``None``: queued for :meth:`flush`)
        self.commands = commands
        #: first exposures not yet recorded, oldest first
        self.pending: deque[RecordExposure] = deque()
        self._lock = threading.Lock()  # one app may serve many threads

    def assign(self, experiment_key: str, subject_id: str) -> str | None:
        with self.new_unit_of_work() as uow:
            experiment = uow.repo(Experiment).peek(experiment_key)
            if experiment is None or experiment.status is not ExperimentStatus.RUNNING:
                return None
            subject = uow.repo(SubjectAssignments).peek(subject_id) if subject_id else None
        if subject is not None and experiment_key in subject.assignments:
            return subject.assignments[experiment_key].variation_key
        variation = experiment.variation_for(subject_id)
        if variation is None:
            return None
        exposure = RecordExposure(experiment_key, subject_id, variation, self.clock.now())
        if self.commands is not None:
            try:
                return self.commands.handle(exposure) or variation
            except ConcurrencyError:
                pass  # the store stayed busy: queued below, sent by the next flush
        with self._lock:
            if not any(
                (p.experiment_key, p.subject_id) == (experiment_key, subject_id)
                for p in self.pending
            ):
                self.pending.append(exposure)
        return variation

    def flush(self, commands: Handles) -> None:
        """Record the queued first exposures through ``commands`` (call it outside command
        handlers)."""
        while True:
            with self._lock:
                if not self.pending:
                    return
                exposure = self.pending.popleft()
            commands.handle(exposure)
