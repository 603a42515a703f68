"""Tasks: definitions (place 3 orders this week, a first installment order, invite a friend
who then orders), each customer's progress, completion and its reward.

A :class:`Task` moves through ``TASK_FLOW`` (draft, live, ended); only a live task counts
events, and only events at or after it went live. A customer's :class:`TaskProgress` is
kept per window (:func:`period_of`): a weekly task's window is the ISO week, starting
Monday 00:00 at the task's UTC offset (``utc_offset_minutes``, China Standard Time,
+08:00, by default); a one-off task has one window, ``"once"``. Progress counts *source
keys* (``order:<id>``, ``friend:<customer>``), each once: an event delivered again, or
events arriving out of order, never count twice, and the window is the event's own
instant's, so the order of arrival changes nothing. Reaching the target completes the
progress (``PROGRESS_FLOW``) and records :class:`~merx.play.rewards.RewardEarned` under the
grant key ``task:<progress id>``.
"""

from __future__ import annotations

import enum
from datetime import datetime, timedelta, timezone

import attrs

from merx.kernel.aggregate import Aggregate, flat_field
from merx.kernel.clock import require_aware
from merx.kernel.events import DomainEvent
from merx.kernel.ids import CustomerId
from merx.kernel.state import StateMachine
from merx.kernel.validation import require_text
from merx.play.errors import AlreadyInvited, InvalidTask
from merx.play.rewards import Reward, RewardEarned

#: China Standard Time, the default zone of weeks and days.
CST_MINUTES = 8 * 60


class TaskTrigger(enum.Enum):
    """The event a task counts: a paid order, an order paid by installments (a plan
    opened), a friend the customer invited paying an order (each friend counts once)."""

    ORDER_PAID = "order_paid"
    INSTALLMENT_ORDER = "installment_order"
    FRIEND_ORDERED = "friend_ordered"


class TaskWindow(enum.Enum):
    WEEK = "week"  # the ISO week, Monday 00:00 at the task's offset
    ONCE = "once"  # one window for all time: the task is done once


class TaskStatus(enum.Enum):
    DRAFT = "draft"
    LIVE = "live"
    ENDED = "ended"


class ProgressStatus(enum.Enum):
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"


TASK_FLOW: StateMachine[TaskStatus] = StateMachine(
    "task",
    [
        (TaskStatus.DRAFT, "publish", TaskStatus.LIVE),
        ((TaskStatus.DRAFT, TaskStatus.LIVE), "end", TaskStatus.ENDED),
    ],
)

PROGRESS_FLOW: StateMachine[ProgressStatus] = StateMachine(
    "task progress",
    [
        (ProgressStatus.IN_PROGRESS, "count", ProgressStatus.IN_PROGRESS),
        (ProgressStatus.IN_PROGRESS, "complete", ProgressStatus.COMPLETED),
    ],
)


def zone(utc_offset_minutes: int) -> timezone:
    """The fixed-offset zone of weeks and days (``utc_offset_minutes`` east of UTC)."""
    return timezone(timedelta(minutes=utc_offset_minutes))


def period_of(window: TaskWindow, at: datetime, utc_offset_minutes: int) -> str:
    """The window ``at`` falls in: ``"2026-W49"`` (ISO week at the offset) or ``"once"``."""
    if window is TaskWindow.ONCE:
        return "once"
    year, week, _ = require_aware(at).astimezone(zone(utc_offset_minutes)).isocalendar()
    return f"{year}-W{week:02d}"


@attrs.frozen
class TaskSpec:
    """What a task asks: ``target`` events of ``trigger`` within a ``window``."""

    task_id: str
    title: str
    trigger: TaskTrigger
    target: int
    window: TaskWindow
    reward: Reward
    utc_offset_minutes: int = CST_MINUTES

    def __attrs_post_init__(self) -> None:
        require_text(self.task_id, "task id")
        if "/" in self.task_id:
            raise InvalidTask(f"a task id has no '/': {self.task_id!r}")
        require_text(self.title, "task title")
        if not isinstance(self.trigger, TaskTrigger) or not isinstance(self.window, TaskWindow):
            raise InvalidTask(f"task {self.task_id!r}: unknown trigger or window")
        if type(self.target) is not int or self.target < 1:
            raise InvalidTask(
                f"task {self.task_id!r}: target must be an int >= 1, not {self.target!r}"
            )
        if not isinstance(self.reward, Reward):
            raise InvalidTask(
                f"task {self.task_id!r}: reward must be a Reward, not {self.reward!r}"
            )
        offset = self.utc_offset_minutes
        if type(offset) is not int or not -14 * 60 <= offset <= 14 * 60:
            raise InvalidTask(
                f"task {self.task_id!r}: UTC offset {offset!r} minutes is out of range"
            )


@attrs.frozen
class TaskDefined(DomainEvent):
    task_id: str
    trigger: TaskTrigger


@attrs.frozen
class TaskPublished(DomainEvent):
    task_id: str
    at: datetime


@attrs.frozen
class TaskEnded(DomainEvent):
    task_id: str
    at: datetime


@attrs.frozen
class TaskProgressed(DomainEvent):
    progress_id: str
    task_id: str
    customer_id: CustomerId
    source: str
    count: int


@attrs.frozen
class TaskCompleted(DomainEvent):
    progress_id: str
    task_id: str
    customer_id: CustomerId
    at: datetime


@attrs.define(kw_only=True)
class Task(Aggregate):
    """A task definition and its place in ``TASK_FLOW``; ``live_since``: when published."""

    spec: TaskSpec
    status: TaskStatus = TaskStatus.DRAFT
    live_since: datetime | None = None

    @property
    def id(self) -> str:
        return self.spec.task_id

    @classmethod
    def define(cls, spec: TaskSpec) -> Task:
        task = cls(spec=spec)
        task.record(TaskDefined(spec.task_id, spec.trigger))
        return task

    def publish(self, at: datetime) -> None:
        TASK_FLOW.target(self.status, "publish")
        self.live_since = require_aware(at)
        TASK_FLOW.move(self, "publish", TaskPublished(self.id, at))

    def end(self, at: datetime) -> None:
        TASK_FLOW.move(self, "end", TaskEnded(self.id, require_aware(at)))

    def counts_at(self, at: datetime) -> bool:
        """Whether an event at ``at`` counts: the task is live and was at ``at``."""
        return (
            self.status is TaskStatus.LIVE and self.live_since is not None and at >= self.live_since
        )

    def progress_id(self, customer_id: CustomerId, at: datetime) -> str:
        period = period_of(self.spec.window, at, self.spec.utc_offset_minutes)
        return f"{self.id}/{customer_id}/{period}"


@attrs.define(kw_only=True)
class TaskProgress(Aggregate):
    """One customer's progress on one task in one window (id ``task/customer/period``):
    the source keys counted, each once."""

    progress_id: str
    task_id: str
    customer_id: CustomerId
    target: int
    reward: Reward
    counted: set[str] = flat_field(set)
    status: ProgressStatus = ProgressStatus.IN_PROGRESS
    completed_at: datetime | None = None

    @property
    def id(self) -> str:
        return self.progress_id

    @classmethod
    def start(cls, task: Task, customer_id: CustomerId, at: datetime) -> TaskProgress:
        return cls(
            progress_id=task.progress_id(customer_id, at), task_id=task.id,
            customer_id=customer_id, target=task.spec.target, reward=task.spec.reward,
        )  # fmt: skip

    @property
    def grant_key(self) -> str:
        return f"task:{self.progress_id}"

    def count(self, source: str, at: datetime) -> bool:
        """Count ``source`` (once); complete at the target. Whether anything changed: a
        source counted before, or progress already complete, changes nothing."""
        require_text(source, "source")
        if source in self.counted or self.status is ProgressStatus.COMPLETED:
            return False
        self.counted.add(source)
        PROGRESS_FLOW.move(
            self,
            "count",
            TaskProgressed(self.id, self.task_id, self.customer_id, source, len(self.counted)),
        )
        if len(self.counted) >= self.target:
            self.completed_at = at
            PROGRESS_FLOW.move(
                self, "complete", TaskCompleted(self.id, self.task_id, self.customer_id, at)
            )
            self.record(RewardEarned(self.grant_key, self.customer_id, self.reward, at))
        return True


@attrs.define(kw_only=True)
class TaskBoard(Aggregate):
    """The live tasks by trigger (one document, id :data:`TASK_BOARD`): what an event's
    subscriber reads to know which tasks it may count for."""

    live: dict[str, list[str]] = attrs.field(factory=dict)

    @property
    def id(self) -> str:
        return TASK_BOARD

    def tasks_of(self, trigger: TaskTrigger) -> list[str]:
        return list(self.live.get(trigger.value, ()))

    def put(self, task: Task) -> None:
        ids = self.live.setdefault(task.spec.trigger.value, [])
        if task.id not in ids:
            ids.append(task.id)

    def take(self, task: Task) -> None:
        ids = self.live.get(task.spec.trigger.value, [])
        if task.id in ids:
            ids.remove(task.id)


TASK_BOARD = "tasks"


@attrs.frozen
class FriendInvited(DomainEvent):
    inviter_id: CustomerId
    invitee_id: CustomerId
    at: datetime


@attrs.define(kw_only=True)
class Invitation(Aggregate):
    """Who invited ``invitee_id`` (its id): the first invitation holds."""

    invitee_id: CustomerId
    inviter_id: CustomerId
    at: datetime

    @property
    def id(self) -> str:
        return self.invitee_id

    @classmethod
    def make(cls, inviter_id: CustomerId, invitee_id: CustomerId, at: datetime) -> Invitation:
        require_text(inviter_id, "inviter")
        require_text(invitee_id, "invitee")
        if inviter_id == invitee_id:
            raise InvalidTask("a customer cannot invite themselves")
        invitation = cls(invitee_id=invitee_id, inviter_id=inviter_id, at=require_aware(at))
        invitation.record(FriendInvited(inviter_id, invitee_id, at))
        return invitation

    def check_again(self, inviter_id: CustomerId) -> None:
        """An invitation sent again: the same inviter changes nothing, another is refused."""
        if inviter_id != self.inviter_id:
            raise AlreadyInvited("that customer was invited by another customer first")
