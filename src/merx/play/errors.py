"""The play context's errors, each under one family of :mod:`merx.errors`."""

from __future__ import annotations

from merx.kernel.errors import AlreadyExists, BusinessRuleViolation, NotFound, ValidationError


class InvalidReward(ValidationError):
    """A reward that cannot be granted as given (no campaign, points < 1, a boost <= 0)."""


class InvalidTask(ValidationError):
    """A task definition that is not valid (target < 1, an unknown trigger, ...)."""


class InvalidLottery(ValidationError):
    """A lottery definition that is not valid: probabilities above 1 in sum, a negative
    stock, a prize's cost in another currency than the budget, ..."""


class InvalidSignInRules(ValidationError):
    """Sign-in rules that are not valid (a threshold < 1, a negative make-up cost)."""


class UnknownTask(NotFound):
    def __init__(self, task_id: str) -> None:
        super().__init__(f"no task {task_id!r}")
        self.task_id = task_id


class UnknownLottery(NotFound):
    def __init__(self, lottery_id: str) -> None:
        super().__init__(f"no lottery {lottery_id!r}")
        self.lottery_id = lottery_id


class TaskAlreadyDefined(AlreadyExists):
    """A task of this id exists already."""

    def __init__(self, task_id: str) -> None:
        super().__init__(f"task {task_id!r} is defined already")
        self.task_id = task_id


class LotteryAlreadyDefined(AlreadyExists):
    """A lottery of this id exists already."""

    def __init__(self, lottery_id: str) -> None:
        super().__init__(f"lottery {lottery_id!r} is defined already")
        self.lottery_id = lottery_id


class AlreadyInvited(BusinessRuleViolation):
    """The invitee was invited by another customer first (the first invitation holds)."""


class AlreadySignedIn(BusinessRuleViolation):
    """The customer signed in on that day already (one sign-in per customer per day)."""

    def __init__(self, customer_id: str, day: str) -> None:
        super().__init__(f"customer {customer_id!r} signed in on {day} already")
        self.customer_id = customer_id
        self.day = day


class MakeUpNotAllowed(BusinessRuleViolation):
    """A make-up sign-in for a day that is not a past day within the rules' reach."""


class SignInClosed(BusinessRuleViolation):
    """No sign-in rules are set: sign-in is not open."""


class DrawLimitReached(BusinessRuleViolation):
    """The customer has drawn as many times as the lottery allows (per day or in all)."""

    def __init__(self, lottery_id: str, customer_id: str, limit: str) -> None:
        super().__init__(
            f"customer {customer_id!r} reached the {limit} draw limit of {lottery_id!r}"
        )
        self.lottery_id = lottery_id
        self.customer_id = customer_id
        self.limit = limit
