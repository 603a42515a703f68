"""Play use cases: tasks and the events they count, invitations, daily sign-in, lotteries
and their draws, and the grant of every reward once (:func:`grant_reward`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import TypeVar

import attrs

from merx.installments import InstallmentPlanOpened
from merx.kernel.bus import Command, reads_ahead
from merx.kernel.clock import Clock
from merx.kernel.errors import AlreadyExists, ConcurrencyError, MerxError
from merx.kernel.ids import CustomerId
from merx.kernel.uow import Keyed, UnitOfWork, add_or_save, prefetch
from merx.orders import Order, OrderPaid
from merx.play.errors import (
    LotteryAlreadyDefined,
    SignInClosed,
    TaskAlreadyDefined,
    UnknownLottery,
    UnknownTask,
)
from merx.play.lottery import Lottery, LotteryDraw, LotteryEntrant, LotterySpec, Outcome, entrant_id
from merx.play.ports import PointsSpender, Randomness, RewardGranter
from merx.play.rewards import Reward, RewardEarned, RewardGrant
from merx.play.signin import SIGN_IN_RULES, SignInCard, SignInRules, SignInTerms
from merx.play.tasks import (
    TASK_BOARD,
    Invitation,
    Task,
    TaskBoard,
    TaskProgress,
    TaskSpec,
    TaskTrigger,
)

# -- commands ---------------------------------------------------------------------------


A = TypeVar("A", bound=Keyed)


@attrs.frozen
class DefineTask(Command[str]):
    """Define a task, as a draft; its id."""

    spec: TaskSpec


@attrs.frozen
class PublishTask(Command[None]):
    task_id: str


@attrs.frozen
class EndTask(Command[None]):
    task_id: str


@attrs.frozen
class RecordInvitation(Command[None]):
    """``inviter_id`` invited ``invitee_id`` (the first invitation holds; the same one again
    changes nothing)."""

    inviter_id: CustomerId
    invitee_id: CustomerId


@attrs.frozen
class SetSignInRules(Command[None]):
    terms: SignInTerms


@attrs.frozen
class SignIn(Command[int]):
    """Sign in today; the streak's length in days."""

    customer_id: CustomerId


@attrs.frozen
class MakeUpSignIn(Command[int]):
    """Sign in for the past ``day`` at the rules' cost in points; the streak's length."""

    customer_id: CustomerId
    day: date


@attrs.frozen
class DefineLottery(Command[str]):
    spec: LotterySpec


@attrs.frozen
class OpenLottery(Command[None]):
    lottery_id: str


@attrs.frozen
class EndLottery(Command[None]):
    lottery_id: str


@attrs.frozen
class DrawResult:
    """What a draw gave: the draw id and roll (for audit), the outcome, the prize."""

    draw_id: str
    roll: int
    outcome: Outcome
    prize_id: str | None
    reward: Reward | None


@attrs.frozen
class DrawLottery(Command[DrawResult]):
    """One draw of ``lottery_id`` for ``customer_id``."""

    lottery_id: str
    customer_id: CustomerId


# -- tasks ------------------------------------------------------------------------------


def _define(uow: UnitOfWork, kind: type[A], made: A, taken: Callable[[str], MerxError]) -> str:
    """Add ``made`` (a task, a lottery) unless its id is taken (``taken(id)`` raised)."""
    repo = uow.repo(kind)
    if repo.find(made.id) is not None:
        raise taken(made.id)
    repo.add(made)
    uow.commit()
    return made.id


def _load(uow: UnitOfWork, kind: type[A], key: str, unknown: Callable[[str], MerxError]) -> A:
    """The ``kind`` of id ``key``, or ``unknown(key)`` raised."""
    found = uow.repo(kind).find(key)
    if found is None:
        raise unknown(key)
    return found


def define_task(cmd: DefineTask, uow: UnitOfWork) -> str:
    return _define(uow, Task, Task.define(cmd.spec), TaskAlreadyDefined)


def _task(uow: UnitOfWork, task_id: str) -> Task:
    return _load(uow, Task, task_id, UnknownTask)


def _board(uow: UnitOfWork) -> TaskBoard:
    return uow.repo(TaskBoard).find(TASK_BOARD) or TaskBoard()


def publish_task(cmd: PublishTask, uow: UnitOfWork, *, clock: Clock) -> None:
    task, board = _task(uow, cmd.task_id), _board(uow)
    task.publish(clock.now())
    board.put(task)
    uow.repo(Task).save(task)
    add_or_save(uow.repo(TaskBoard), board)
    uow.commit()


def end_task(cmd: EndTask, uow: UnitOfWork, *, clock: Clock) -> None:
    task, board = _task(uow, cmd.task_id), _board(uow)
    task.end(clock.now())
    board.take(task)
    uow.repo(Task).save(task)
    add_or_save(uow.repo(TaskBoard), board)
    uow.commit()


def record_invitation(cmd: RecordInvitation, uow: UnitOfWork, *, clock: Clock) -> None:
    repo = uow.repo(Invitation)
    earlier = repo.find(cmd.invitee_id)
    if earlier is not None:
        earlier.check_again(cmd.inviter_id)
        return
    repo.add(Invitation.make(cmd.inviter_id, cmd.invitee_id, clock.now()))
    uow.commit()


def count_for_tasks(
    uow: UnitOfWork, trigger: TaskTrigger, customer_id: CustomerId, source: str, at: datetime
) -> None:
    """Count ``source`` for the customer's live tasks of ``trigger`` (each once) and
    commit what changed."""
    board = uow.repo(TaskBoard).peek(TASK_BOARD)
    task_ids = [] if board is None else board.tasks_of(trigger)
    if not task_ids:
        return
    tasks_repo = uow.repo(Task)
    prefetch(tasks_repo, task_ids)
    tasks = [tasks_repo.view(task_id) for task_id in task_ids]
    counting = [task for task in tasks if task.counts_at(at)]
    progresses = uow.repo(TaskProgress)
    keys = [task.progress_id(customer_id, at) for task in counting]
    prefetch(progresses, keys)
    changed = False
    for task, key in zip(counting, keys, strict=True):
        progress = progresses.find(key)
        fresh = progress is None
        if progress is None:
            progress = TaskProgress.start(task, customer_id, at)
        if progress.count(source, at):
            changed = True
            if fresh:
                progresses.add(progress)
            else:
                progresses.save(progress)
    if changed:
        uow.commit()


def _paid_reads(event: OrderPaid) -> Iterable[tuple[type[object], str]]:
    yield TaskBoard, TASK_BOARD
    if event.customer_id is not None:
        yield Invitation, event.customer_id


@reads_ahead(_paid_reads)
def count_paid_order(event: OrderPaid, uow: UnitOfWork) -> None:
    """An order paid counts for the customer's order tasks (``order:<id>``) and, when a
    customer invited them before the order was paid, for that customer's friend tasks
    (``friend:<customer>``: each friend once, whatever they order). An event stored
    before ``OrderPaid`` carried the customer is read with its order."""
    customer_id = event.customer_id
    if customer_id is None:
        order = uow.repo(Order).peek(event.order_id)
        if order is None:
            return
        customer_id = order.customer_id
    count_for_tasks(uow, TaskTrigger.ORDER_PAID, customer_id, f"order:{event.order_id}", event.at)
    invitation = uow.repo(Invitation).peek(customer_id)
    if invitation is not None and event.at >= invitation.at:  # ordered after the invitation
        count_for_tasks(
            uow, TaskTrigger.FRIEND_ORDERED, invitation.inviter_id, f"friend:{customer_id}",
            event.at,
        )  # fmt: skip


def count_installment_order(event: InstallmentPlanOpened, uow: UnitOfWork, *, clock: Clock) -> None:
    """An installment plan opened for an order counts for installment-order tasks."""
    count_for_tasks(
        uow, TaskTrigger.INSTALLMENT_ORDER, event.customer_id, f"order:{event.order_id}",
        clock.now(),
    )  # fmt: skip


# -- sign-in ----------------------------------------------------------------------------


def set_sign_in_rules(cmd: SetSignInRules, uow: UnitOfWork) -> None:
    repo = uow.repo(SignInRules)
    rules = repo.find(SIGN_IN_RULES)
    if rules is None:
        repo.add(SignInRules.set(cmd.terms))
    else:
        rules.change(cmd.terms)
        repo.save(rules)
    uow.commit()


def _terms(uow: UnitOfWork) -> SignInTerms:
    rules = uow.repo(SignInRules).peek(SIGN_IN_RULES)
    if rules is None:
        raise SignInClosed("no sign-in rules are set")
    return rules.terms


def _card(uow: UnitOfWork, customer_id: CustomerId) -> SignInCard:
    return uow.repo(SignInCard).find(customer_id) or SignInCard(customer_id=customer_id)


def sign_in(cmd: SignIn, uow: UnitOfWork, *, clock: Clock) -> int:
    terms = _terms(uow)
    card = _card(uow, cmd.customer_id)
    streak = card.sign_in(terms, clock.now())
    add_or_save(uow.repo(SignInCard), card)
    uow.commit()
    return streak


def make_up_sign_in(
    cmd: MakeUpSignIn, uow: UnitOfWork, *, clock: Clock, spend: PointsSpender | None
) -> int:
    """A make-up sign-in; its points are spent in the same commit (reference
    ``make-up:<customer>:<day>``: one day is made up once)."""
    terms = _terms(uow)
    card = _card(uow, cmd.customer_id)
    now = clock.now()
    streak = card.make_up(terms, cmd.day, now)
    if terms.make_up_cost_points:
        if spend is None:
            raise SignInClosed("make-up sign-ins cost points and this merx keeps none")
        reference = f"make-up:{cmd.customer_id}:{cmd.day.isoformat()}"
        spend(uow, cmd.customer_id, terms.make_up_cost_points, reference, now)
    add_or_save(uow.repo(SignInCard), card)
    uow.commit()
    return streak


# -- lotteries --------------------------------------------------------------------------


def define_lottery(cmd: DefineLottery, uow: UnitOfWork) -> str:
    return _define(uow, Lottery, Lottery.define(cmd.spec), LotteryAlreadyDefined)


def _lottery(uow: UnitOfWork, lottery_id: str) -> Lottery:
    return _load(uow, Lottery, lottery_id, UnknownLottery)


def open_lottery(cmd: OpenLottery, uow: UnitOfWork, *, clock: Clock) -> None:
    lottery = _lottery(uow, cmd.lottery_id)
    lottery.open(clock.now())
    uow.repo(Lottery).save(lottery)
    uow.commit()


def end_lottery(cmd: EndLottery, uow: UnitOfWork, *, clock: Clock) -> None:
    lottery = _lottery(uow, cmd.lottery_id)
    lottery.end(clock.now())
    uow.repo(Lottery).save(lottery)
    uow.commit()


def draw_lottery(
    cmd: DrawLottery, uow: UnitOfWork, *, clock: Clock, randomness: Randomness
) -> DrawResult:
    """Draw: the entrant and the lottery read together; the lottery saved (and
    version-checked) only when a stocked prize is given, so a race for the last unit or
    the last budget is lost with a ``ConcurrencyError`` the bus runs again on fresh state
    (rolling the same number: the draw id is the entrant's next)."""
    entrants = uow.repo(LotteryEntrant)
    key = entrant_id(cmd.lottery_id, cmd.customer_id)
    prefetch(entrants, [key])
    lottery = _lottery(uow, cmd.lottery_id)
    entrant = entrants.find(key)
    fresh = entrant is None
    if entrant is None:
        entrant = LotteryEntrant(lottery_id=cmd.lottery_id, customer_id=cmd.customer_id)
    roll = randomness.roll(lottery.spec.seed, entrant.next_draw_id())
    record, changed = lottery.draw(entrant, roll, clock.now())
    if changed:
        uow.repo(Lottery).save(lottery)
    if fresh:
        entrants.add(entrant)
    else:
        entrants.save(entrant)
    try:
        uow.repo(LotteryDraw).add(record)
    except AlreadyExists:  # the entrant read was stale: the customer drew concurrently
        raise ConcurrencyError(f"draw {record.draw_id!r} was made concurrently") from None
    uow.commit()
    return DrawResult(record.draw_id, roll, record.outcome, record.prize_id, record.reward)


# -- rewards ----------------------------------------------------------------------------


def _earned_reads(event: RewardEarned) -> Iterable[tuple[type[object], str]]:
    yield RewardGrant, event.grant_key


@reads_ahead(_earned_reads)
def grant_reward(
    event: RewardEarned, uow: UnitOfWork, *, granter: RewardGranter, clock: Clock
) -> None:
    """Grant an earned reward once per grant key: the :class:`RewardGrant` is written in
    the commit that grants the reward in its context, so an earning seen again finds it
    and does nothing. A reward its context refuses (no coupon left, no credit account) is
    recorded as refused, with the reason, and not tried again; if the earning names a
    fallback (a lottery prize's consolation), the fallback is granted instead and the
    grant records the substitution (or, refused too, both reasons)."""
    grants = uow.repo(RewardGrant)
    if grants.find(event.grant_key) is not None:
        return
    now = clock.now()
    reason = _try_grant(uow, event, granter, now)
    if reason is None:
        return
    if event.fallback is not None:
        instead = attrs.evolve(event, reward=event.fallback, fallback=None)
        again = _try_grant(uow, instead, granter, now, refused=(event, reason))
        if again is None:
            return
        reason = f"{reason}; fallback: {again}"
    grants = uow.repo(RewardGrant)
    if grants.find(event.grant_key) is not None:
        return
    grants.add(RewardGrant.refused(event, reason, now))
    uow.commit()


def _try_grant(
    uow: UnitOfWork,
    event: RewardEarned,
    granter: RewardGranter,
    now: datetime,
    refused: tuple[RewardEarned, str] | None = None,
) -> str | None:
    """Grant ``event``'s reward and record it (committed; ``refused``: as the fallback of
    that earning, refused for that reason): ``None``; else the reason its context refused
    it (nothing staged)."""
    if refused is not None and uow.repo(RewardGrant).find(event.grant_key) is not None:
        return None  # granted or refused meanwhile (a redelivery)
    try:
        reference = granter(uow, event, now)
    except ConcurrencyError:
        raise
    except MerxError as error:
        uow.rollback()
        return type(error).__name__
    grants = uow.repo(RewardGrant)
    if refused is None:
        grants.add(RewardGrant.granted(event, reference, now))
    else:
        grants.add(RewardGrant.substituted(refused[0], refused[1], reference, now))
    uow.commit()
    return None
