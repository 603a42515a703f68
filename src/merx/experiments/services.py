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
)
from merx.kernel.bus import Command, reads_ahead
from merx.kernel.clock import Clock
from merx.kernel.errors import ValidationError
from merx.kernel.uow import UnitOfWork, add_or_save
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
class RecordExposure(Command[None]):
    """Keep ``variation_key`` as ``subject_id``'s sticky variation in experiment
    ``experiment_key``, exposed at ``at``, and count the exposure: what
    :class:`StoredAssigner` defers. Nothing changes if the subject already has a variation
    there or the experiment is no longer running."""

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
    experiment = uow.repo(Experiment).get(cmd.experiment_key)
    if experiment.status is not ExperimentStatus.RUNNING:
        return None
    subject = uow.repo(SubjectAssignments).find(cmd.subject_id)
    if subject is not None and experiment.key in subject.assignments:
        return subject.assignments[experiment.key].variation_key
    variation = experiment.variation_for(cmd.subject_id)
    if variation is None:
        return None
    subject = subject or SubjectAssignments(id=cmd.subject_id)
    subject.assign(experiment.key, variation, clock.now())
    experiment.expose(variation, subject.id)
    add_or_save(uow.repo(SubjectAssignments), subject)
    uow.repo(Experiment).save(experiment)
    uow.commit()
    return variation


def record_exposure(cmd: RecordExposure, uow: UnitOfWork) -> None:
    experiment = uow.repo(Experiment).get(cmd.experiment_key)
    if experiment.status is not ExperimentStatus.RUNNING:
        return
    if cmd.variation_key not in {variation.key for variation in experiment.variations}:
        raise ValidationError(
            f"experiment {experiment.key!r} has no variation {cmd.variation_key!r}"
        )
    subject = uow.repo(SubjectAssignments).find(cmd.subject_id)
    if subject is not None and experiment.key in subject.assignments:
        return  # sticky already: the first exposure stands
    subject = subject or SubjectAssignments(id=cmd.subject_id)
    subject.assign(experiment.key, cmd.variation_key, cmd.at)
    experiment.expose(cmd.variation_key, subject.id)
    add_or_save(uow.repo(SubjectAssignments), subject)
    uow.repo(Experiment).save(experiment)
    uow.commit()


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
    for key, variation in pending:
        experiment = uow.repo(Experiment).get(key)
        if experiment.status is not ExperimentStatus.RUNNING:
            continue
        experiment.convert(variation, subject.id)
        subject.mark_converted(key)
        uow.repo(Experiment).save(experiment)
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
    """The decisions context's ``Assigner`` that may run inside a command handler (an
    audience decided while a cart is quoted): it only reads, each call in a unit of work of
    its own that commits nothing. A running experiment's stored sticky variation for the
    subject wins; else GrowthBook's assignment over the stored definition
    (:meth:`Experiment.variation_for`). A first assignment is queued as a
    :class:`RecordExposure` in :attr:`pending`, which :meth:`flush` sends once the caller's
    command is over (``merx.app.App`` does after each command and decision): the sticky
    write and the exposure count are deferred, never a command inside a command. An
    unknown experiment, or one not running: ``None``."""

    def __init__(self, new_unit_of_work: Callable[[], UnitOfWork], clock: Clock) -> None:
        self.new_unit_of_work = new_unit_of_work
        self.clock = clock
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
        with self._lock:
            if not any(
                (p.experiment_key, p.subject_id) == (experiment_key, subject_id)
                for p in self.pending
            ):
                exposure = RecordExposure(experiment_key, subject_id, variation, self.clock.now())
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
