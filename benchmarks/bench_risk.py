"""Risk decision latency: one ``AssessTransaction`` of a payment decided by 30 rules
(goal: p50 at most 1 ms on one core).

Run: ``.venv/bin/python benchmarks/bench_risk.py [decisions]``. Figures are printed, never
asserted. The ``risk.payment`` scenario holds the anti-money-laundering pack, the
grey-list rule and 25 generated rules over the payment features (30 rules); payers and
merchants are drawn from a seeded generator (500 payers, 50 merchants, amounts from 1 to
60,000, one every 5 seconds), so each run decides the same. Two latencies per decision,
in microseconds of this process's CPU time (``time.process_time_ns``, as the other
benchmarks, so a machine shared with other work still gives the one-core figure; wall-clock
latencies on a loaded machine add the time spent waiting for a core):

- ``command``: the whole ``app.handle(AssessTransaction(...))`` on the in-memory app: the
  keys loaded (account, merchant, linked keys), ticked, the features computed, the 30
  rules run by the compiled scenario, the decision remembered, a review case opened for a
  REVIEW, the commit and the ``RiskDecided`` event;
- ``rules``: the compiled scenario alone on the features (what the command spends in the
  decisions engine).
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from datetime import timedelta
from decimal import Decimal

from merx import risk
from merx.adapters.memory import FixedClock
from merx.app import MemoryApp, build_memory_app
from merx.app.risk import install_risk_rules
from merx.kernel.money import Money
from merx.payments import AuthFactor

#: The time between two payments (20,000 payments: about 28 hours).
STEP = timedelta(seconds=5)
FEATURES = (
    "amount",
    "near_threshold_24h",
    "account_payments_1h",
    "merchant_payers_1h",
    "merchant_small_payments_1h",
    "linked_accounts",
)


def thirty_rules() -> tuple[risk.RiskRule, ...]:
    """The AML pack (3 payment rules), ``pay_grey`` and 26 generated rules: 30 in all."""
    builtin = [
        rule
        for rule in (*risk.anti_money_laundering(), *risk.user_control())
        if rule.action is risk.RiskAction.PAYMENT
    ]
    rng = random.Random(7)
    generated: list[risk.RiskRule] = []
    outcomes = [risk.Outcome.REVIEW, risk.Outcome.DENY, risk.Outcome.CHALLENGE]
    while len(builtin) + len(generated) < 30:
        n = len(generated)
        first, second = rng.sample(FEATURES, 2)
        low = 20000 + rng.randrange(60000) if first == "amount" else 20 + rng.randrange(80)
        outcome = outcomes[n % 3]
        generated.append(
            risk.RiskRule(
                f"generated_{n}",
                risk.RiskAction.PAYMENT,
                f"context.{first} >= {low} and not context.{second} < 0",
                outcome,
                AuthFactor.SMS if outcome is risk.Outcome.CHALLENGE else None,
            )
        )
    return (*builtin, *generated)


def prepared() -> MemoryApp:
    app = build_memory_app(check_views=False)
    install_risk_rules(app, thirty_rules())
    return app


def commands(n: int, seed: int = 11) -> list[risk.AssessTransaction]:
    rng = random.Random(seed)
    return [
        risk.AssessTransaction(
            f"pay-{k}",
            risk.RiskAction.PAYMENT,
            f"payer{rng.randrange(500)}",
            Money.of(Decimal(rng.randrange(100, 6_000_000)) / 100, "CNY"),
            counterparty=f"merchant{rng.randrange(50)}",
        )
        for k in range(n)
    ]


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run(n: int) -> tuple[float, float, float, float]:
    """Decide ``n`` payments; (command p50, p99, rules p50, p99) in microseconds."""
    app = prepared()
    compiled, _ = app.decider.compiled(risk.RiskAction.PAYMENT.scenario)
    command_us: list[float] = []  # float-ok: microseconds measured
    rules_us: list[float] = []  # float-ok: microseconds measured
    outcomes: dict[str, int] = {}
    clock = app.clock
    assert isinstance(clock, FixedClock)
    for command in commands(n):
        clock.advance(STEP)
        start = time.process_time_ns()
        decided = app.handle(command)
        command_us.append((time.process_time_ns() - start) / 1000)
        outcomes[decided.outcome.value] = outcomes.get(decided.outcome.value, 0) + 1
        facts: dict[str, object] = {name: Decimal(3) for name in FEATURES}
        facts["amount"] = command.amount.amount if command.amount else Decimal(0)
        facts["listed_grey"] = False
        start = time.process_time_ns()
        compiled.decide(command.account, {}, facts)
        rules_us.append((time.process_time_ns() - start) / 1000)
    assert len(compiled.strategies) == 30
    result = (
        statistics.median(command_us),
        percentile(command_us, 0.99),
        statistics.median(rules_us),
        percentile(rules_us, 0.99),
    )
    print(
        f"risk decision, 30 rules, {n} payments: command p50 {result[0]:.0f} us, "
        f"p99 {result[1]:.0f} us; rules alone p50 {result[2]:.0f} us, p99 {result[3]:.0f} us; "
        f"outcomes {dict(sorted(outcomes.items()))}"
    )
    return result


if __name__ == "__main__":
    run(int(sys.argv[1]) if len(sys.argv) > 1 else 20_000)
