"""Monitoring use cases: save an alarm rule, evaluate the alarms (the host's schedule).

``EvaluateAlarms`` works in two commits around the messenger (architecture section 7):
commit 1 stores every alarm's reading, transition and queued notices; then each notice is
handed to the :class:`~merx.reach.Messenger` (idempotent on its ``touch_id``); commit 2
takes the delivered ones out of the outboxes. A notice the messenger could not take stays
queued and is tried again by the next evaluation, so every transition that notifies is
told exactly once to each recipient.
"""

from __future__ import annotations

import attrs

from merx.kernel.bus import Command
from merx.kernel.clock import Clock
from merx.kernel.ids import CustomerId
from merx.kernel.uow import UnitOfWork
from merx.monitoring.errors import UnknownMetric
from merx.monitoring.model import Alarm, AlarmRule
from merx.monitoring.ports import MetricSource
from merx.notifications import NotifierUnavailable
from merx.reach import Messenger, OutgoingMessage


@attrs.frozen
class SaveAlarmRule(Command[bool]):
    """Define an alarm, or revise its rule (its status and incidents stay). Answers
    whether anything changed: the same rule again changes nothing."""

    rule: AlarmRule


@attrs.frozen
class EvaluateAlarms(Command["AlarmEvaluation"]):
    """Judge every alarm's latest complete bucket at the clock's instant and send the
    notices of its transitions (and any left undelivered before)."""


@attrs.frozen
class AlarmEvaluation:
    """What one evaluation did: alarms judged (a new bucket with a value), those that
    fired and recovered, notices delivered and still queued."""

    judged: tuple[str, ...]
    fired: tuple[str, ...]
    recovered: tuple[str, ...]
    delivered: int
    undelivered: int


def save_alarm_rule(
    cmd: SaveAlarmRule, uow: UnitOfWork, *, clock: Clock, metrics: MetricSource
) -> bool:
    rule = cmd.rule.check()
    if not metrics.knows(rule.metric):
        raise UnknownMetric(rule.alarm_id, rule.metric)
    repo = uow.repo(Alarm)
    found = repo.find(rule.alarm_id)
    now = clock.now()
    if found is None:
        repo.add(Alarm.define(rule, now))
    elif found.revise(rule, now):
        repo.save(found)
    else:
        return False
    uow.commit()
    return True


def evaluate_alarms(
    cmd: EvaluateAlarms,
    uow: UnitOfWork,
    *,
    clock: Clock,
    metrics: MetricSource,
    messenger: Messenger,
) -> AlarmEvaluation:
    now = clock.now()
    repo = uow.repo(Alarm)
    judged: list[str] = []
    moved: dict[str, list[str]] = {"fire": [], "recover": []}
    queued: list[Alarm] = []
    for alarm_id in sorted(repo.ids()):  # alarm rules are configuration: a few dozen
        alarm = repo.get(alarm_id)
        rule = alarm.rule
        bucket = rule.grain.last_complete(now)
        changed = False
        if alarm.due(bucket):
            start, end = rule.span(bucket)
            values = dict(metrics.series(rule.metric, start, end, rule.grain.value))
            reading = rule.judge(bucket, values)
            if reading.value is not None:
                judged.append(alarm_id)
                command = alarm.observe(reading, now)
                changed = True
                if command in moved:
                    moved[command].append(alarm_id)
        if changed:
            repo.save(alarm)
        if alarm.outbox:
            queued.append(alarm)
    uow.commit()
    repo = uow.repo(Alarm)  # a commit ends the repositories of the unit of work
    delivered = undelivered = 0
    for alarm in queued:
        sent = _deliver(alarm, messenger)
        delivered += len(sent)
        undelivered += len(alarm.outbox) - len(sent)
        if sent:
            fresh = repo.get(alarm.id)
            for touch_id in sent:
                fresh.delivered(touch_id)
            repo.save(fresh)
    uow.commit()
    return AlarmEvaluation(
        tuple(judged), tuple(moved["fire"]), tuple(moved["recover"]), delivered, undelivered
    )


def _deliver(alarm: Alarm, messenger: Messenger) -> list[str]:
    """Hand the alarm's queued notices to the messenger, oldest first, until one fails;
    the touch ids it took."""
    sent: list[str] = []
    for notice in alarm.outbox:
        message = OutgoingMessage(
            touch_id=notice.touch_id,
            channel=notice.channel,
            customer_id=CustomerId(notice.recipient),  # an operator: the address names them
            recipient=notice.recipient,
            body=notice.body,
        )
        try:
            messenger.deliver(message)
        except NotifierUnavailable:
            break
        sent.append(notice.touch_id)
    return sent
