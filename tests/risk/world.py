"""A memory merx with the built-in risk packs installed, and short ways to ask it."""

from __future__ import annotations

from datetime import timedelta

from merx import risk
from merx.adapters.memory import FixedClock
from merx.app import MemoryApp, build_memory_app
from merx.app.risk import install_risk_rules
from merx.kernel.money import Money

A = risk.RiskAction


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


def risky_app(
    rules: tuple[risk.RiskRule, ...] | None = None, *, risk_control: bool = False
) -> MemoryApp:
    app = build_memory_app(risk_control=risk_control)
    install_risk_rules(app, risk.standard_rules() if rules is None else rules)
    return app


def advance(app: MemoryApp, delta: timedelta) -> None:
    clock = app.clock
    assert isinstance(clock, FixedClock)
    clock.advance(delta)


class Asker:
    """Numbered decisions for one app."""

    def __init__(self, app: MemoryApp) -> None:
        self.app = app
        self.n = 0

    def _id(self) -> str:
        self.n += 1
        return f"d{self.n}"

    def transaction(
        self, action: risk.RiskAction, account: str, amount: str | None = None, **more: str
    ) -> risk.RiskAssessment:
        money = cny(amount) if amount is not None else None
        return self.app.handle(risk.AssessTransaction(self._id(), action, account, money, **more))

    def user(self, action: risk.RiskAction, account: str, **keys: str) -> risk.RiskAssessment:
        return self.app.handle(risk.AssessUser(self._id(), action, account, **keys))
