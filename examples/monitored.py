"""The simulation watched: hourly metrics from the day's events, alarm rules evaluated as
the clock passes each hour, an injected incident, and the day's HTML report.

Until merx's data system answers :class:`merx.monitoring.MetricSource`, the metrics the
alarms read are computed here, from the committed events, into a
:class:`~merx.adapters.memory.MemoryMetricSource` (by hour, grouped by each event's
instant): ``orders`` (parent orders placed), ``gmv`` (payments succeeded, in CNY),
``payment_success_rate`` and ``payment_success_rate[<channel>]`` (payments succeeded over
payments decided, overall and by channel). The report's numbers come from the
simulation's reconciliation report and these hourly facts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from merx import aftersales, monitoring, orders, payments
from merx.adapters.memory import FixedClock, MemoryMetricSource
from merx.app import App, StoredApp, register_monitoring
from merx.kernel.events import DomainEvent
from merx.kernel.money import Money
from merx.monitoring import (
    AlarmRule,
    Bar,
    Condition,
    DailyReport,
    Direction,
    Figure,
    Grain,
    Severity,
)

HOUR = timedelta(hours=1)
OPERATORS = ("ops@merx.test", "payments-oncall@merx.test")
#: The channel the injected incident breaks, the share of its authorizations that fail.
INCIDENT_CHANNEL, INCIDENT_RATE = "alipay", Decimal("0.3")
WATCHED = f"payment_success_rate[{INCIDENT_CHANNEL}]"
CHANNELS = ("wechat_pay", "alipay", "bank_card")


def alarm_rules() -> tuple[AlarmRule, ...]:
    """The rules the simulation's operators set: the channel's success rate (an hour
    under 80%), an hour's orders far below the last day's (a z-score), and the day's GMV
    against a week before."""
    return (
        AlarmRule(
            "alipay-success-rate",
            WATCHED,
            Condition.THRESHOLD,
            Direction.BELOW,
            Decimal("0.8"),
            OPERATORS,
            severity=Severity.CRITICAL,
        ),
        AlarmRule(
            "orders-drop",
            "orders",
            Condition.Z_SCORE,
            Direction.BELOW,
            Decimal(4),
            OPERATORS[:1],
            window=24,
        ),
        AlarmRule(
            "gmv-week",
            "gmv",
            Condition.WEEK_RATIO,
            Direction.BELOW,
            Decimal("0.5"),
            OPERATORS[:1],
            grain=Grain.DAY,
        ),
    )


#: The events :class:`HourlyFacts` folds.
FOLDED: tuple[type[DomainEvent], ...] = (
    orders.ParentOrderPlaced,
    orders.ParentOrderPaid,
    orders.OrderCompleted,
    payments.PaymentInitiated,
    payments.PaymentSucceeded,
    payments.PaymentFailed,
    aftersales.AfterSaleCompleted,
)


class HourlyFacts:
    """Counts by hour, folded from events (each counted once: read by position)."""

    def __init__(self) -> None:
        self.placed: Counter[datetime] = Counter()
        self.paid: Counter[datetime] = Counter()
        self.gmv_minor: Counter[datetime] = Counter()
        self.gmv_day_minor: Counter[datetime] = Counter()
        self.decided: Counter[tuple[datetime, str]] = Counter()  # (hour, channel or "")
        self.succeeded: Counter[tuple[datetime, str]] = Counter()
        self.completed = 0
        self.refunded_minor = 0
        self.after_sales = 0
        self.channel_of: dict[str, str] = {}

    def fold(self, event: DomainEvent) -> None:
        if isinstance(event, orders.ParentOrderPlaced):
            self.placed[_hour(event.at)] += 1
        elif isinstance(event, orders.ParentOrderPaid):
            self.paid[_hour(event.at)] += 1
        elif isinstance(event, orders.OrderCompleted):
            self.completed += 1
        elif isinstance(event, payments.PaymentInitiated):
            self.channel_of[event.payment_id] = event.channel
        elif isinstance(event, payments.PaymentSucceeded | payments.PaymentFailed):
            hour, channel = _hour(event.at), self.channel_of.get(event.payment_id, "")
            for key in ((hour, ""), (hour, channel)):
                self.decided[key] += 1
                if isinstance(event, payments.PaymentSucceeded):
                    self.succeeded[key] += 1
            if isinstance(event, payments.PaymentSucceeded):
                self.gmv_minor[hour] += event.amount.minor
                self.gmv_day_minor[hour.replace(hour=0)] += event.amount.minor
        elif isinstance(event, aftersales.AfterSaleCompleted):
            self.after_sales += 1
            self.refunded_minor += event.refunded.minor

    def rate(self, hour: datetime, channel: str = "") -> Decimal | None:
        decided = self.decided[(hour, channel)]
        if not decided:
            return None
        return (Decimal(self.succeeded[(hour, channel)]) / decided).quantize(Decimal("0.0001"))

    def fill(self, metrics: MemoryMetricSource, hour: datetime) -> None:
        """Put the hour's values (and its day's GMV so far) into ``metrics``."""
        metrics.put("orders", "hour", hour, Decimal(self.placed[hour]))
        metrics.put("gmv", "hour", hour, Money.from_minor(self.gmv_minor[hour], "CNY").amount)
        day = hour.replace(hour=0)
        metrics.put("gmv", "day", day, Money.from_minor(self.gmv_day_minor[day], "CNY").amount)
        for channel in ("", *CHANNELS):
            rate = self.rate(hour, channel)
            if rate is not None:
                name = f"payment_success_rate[{channel}]" if channel else "payment_success_rate"
                metrics.put(name, "hour", hour, rate)


class Watch:
    """Monitoring wired onto a simulated merx: the rules saved, hourly facts folded from
    the committed events, alarms evaluated each time the clock passes an hour.

    With ``per_hour``, order ``n`` is traded in hour ``n // per_hour`` of the run (the
    clock set to the hour's start when it is behind), so ``--days`` spreads the orders
    over the days; with ``incident_hour``, the incident channel fails
    :data:`INCIDENT_RATE` of its authorizations during that hour."""

    def __init__(
        self,
        app: App,
        clock: FixedClock,
        start: datetime,
        *,
        per_hour: int | None = None,
        incident_hour: int | None = None,
        seed: int = 1,
    ) -> None:
        self.app, self.clock, self.start = app, clock, start
        self.per_hour, self.incident_hour, self.seed = per_hour, incident_hour, seed
        self.metrics = MemoryMetricSource(
            [
                "orders",
                "gmv",
                "payment_success_rate",
                *(f"payment_success_rate[{c}]" for c in CHANNELS),
            ]
        )
        register_monitoring(app.bus, clock=clock, metrics=self.metrics, messenger=app.messenger)
        for rule in alarm_rules():
            app.handle(monitoring.SaveAlarmRule(rule))
        self.facts = HourlyFacts()
        self._position = 0
        self._next_hour = _hour(clock.now()) + HOUR
        self.evaluations: list[monitoring.AlarmEvaluation] = []
        self._failing = False

    def before(self, n: int) -> None:
        """Before order ``n``: the clock to its hour, the incident on or off."""
        if self.per_hour is None:
            return
        hour = n // self.per_hour
        self.clock.set(max(self.clock.now(), self.start + hour * HOUR))
        self.after(n)
        if self.incident_hour is not None and (hour == self.incident_hour) != self._failing:
            gateway = self.app.gateways[INCIDENT_CHANNEL]
            self._failing = not self._failing
            if self._failing:  # once, as the hour starts: the draws go on from its seed
                gateway.fail_rate(INCIDENT_RATE, seed=self.seed)
            else:
                gateway.stop_failing()

    def after(self, n: int) -> None:
        """After an order: if the clock passed an hour, fold, fill and evaluate."""
        del n
        if self.clock.now() >= self._next_hour:
            self._catch_up(_hour(self.clock.now()))

    def finish(self) -> None:
        """The last hour traded ends: the clock to the next hour, judged."""
        if self._failing:
            self.app.gateways[INCIDENT_CHANNEL].stop_failing()
            self._failing = False
        end = _hour(self.clock.now()) + HOUR
        self.clock.set(end)
        self._catch_up(end)

    def _catch_up(self, now_hour: datetime) -> None:
        for event in self._new_events():
            self.facts.fold(event)
        while self._next_hour <= now_hour:
            self.facts.fill(self.metrics, self._next_hour - HOUR)
            self._next_hour += HOUR
        self.evaluations.append(self.app.handle(monitoring.EvaluateAlarms()))

    def _new_events(self) -> Iterator[DomainEvent]:
        app = self.app
        if not isinstance(app, StoredApp):
            events = app.events.events
            new, self._position = events[self._position :], len(events)
            yield from new
            return
        known = app.new_unit_of_work().documents
        names = {known.name_of(kind) for kind in FOLDED}
        while rows := app.database.events_after(self._position, 5_000):
            for _, _, name, data in rows:
                if name in names:
                    yield known.read_event(name, data)
            self._position = rows[-1][0]

    def alarms(self) -> list[monitoring.Alarm]:
        return [self.app.get(monitoring.Alarm, rule.alarm_id) for rule in alarm_rules()]

    def watched(self) -> tuple[Bar, ...]:
        hours = sorted(
            {hour for hour, channel in self.facts.decided if channel == INCIDENT_CHANNEL}
        )
        return tuple(
            Bar(f"{hour:%m-%d %H}h", rate)
            for hour in hours
            if (rate := self.facts.rate(hour, INCIDENT_CHANNEL)) is not None
        )


def _hour(at: datetime) -> datetime:
    return at.replace(minute=0, second=0, microsecond=0)


def daily_report(result: dict[str, Any], watch: Watch, title: str) -> DailyReport:
    """The page's value, from the simulation's reconciliation ``result`` and the watch."""
    money = result["money"]
    facts = watch.facts
    paid = Money.sum(money["customers paid, by channel"].values(), "CNY")
    refunded = Money.sum(money["refunded, by channel"].values(), "CNY")
    placed, paid_orders = sum(facts.placed.values()), sum(facts.paid.values())
    events = result["events"]
    metrics = (
        Figure("orders", f"{result['orders']:,}"),
        Figure("customers paid", _money(paid)),
        Figure("paid rate", _percent(paid_orders, placed)),
        Figure("average paid order", _money(_average(paid, paid_orders))),
        Figure("platform commission (net)", _money(money["platform commission (net)"])),
        Figure("platform subsidy (net)", _money(money["platform subsidy (net)"])),
        Figure("checks", "all passed" if result["checks"]["ok"] else "FAILED"),
    )
    hourly = tuple(Bar(f"{hour:%m-%d %H}h", Decimal(n)) for hour, n in sorted(facts.placed.items()))
    funnel = (
        Bar("placed", Decimal(placed)),
        Bar("paid", Decimal(paid_orders)),
        Bar("completed", Decimal(facts.completed)),
    )
    kinds = ("returns", "refunds only", "refunds before shipment", "exchanges")
    refunds = (
        Figure("refunded to customers", _money(refunded)),
        Figure("refund rate (of paid)", _percent(refunded.minor, paid.minor)),
        Figure("after-sales completed", f"{facts.after_sales:,}"),
    )
    refund_bars = tuple(Bar(kind, Decimal(events.get(kind, 0))) for kind in kinds)
    settlement = (
        *(
            Bar(f"{shop} {state}", amount.amount)
            for shop, held in money["merchants"].items()
            for state, amount in held.items()
        ),
        Bar("paid out", money["paid out to merchants"].amount),
    )
    credit = tuple(Bar(k, v.amount) for k, v in result["credit limits"].items()) + tuple(
        Bar(f"assets: {owner}", v.amount)
        for owner, v in money["installment assets by owner"].items()
    )
    return DailyReport(
        title=title,
        day=watch.start.date(),
        generated_at=watch.clock.now(),
        metrics=metrics,
        hourly=hourly,
        funnel=funnel,
        refunds=refunds,
        refund_bars=refund_bars,
        settlement=settlement,
        credit=credit,
        alarms=tuple(monitoring.AlarmLine.of(alarm) for alarm in watch.alarms()),
        watched=watch.watched(),
        watched_name=f"{WATCHED} by hour",
    )


def _money(amount: Money) -> str:
    return f"{amount.amount:,} {amount.currency}"


def _average(total: Money, count: int) -> Money:
    if not count:
        return Money.zero(total.currency)
    return total.allocate([1] * count)[0]  # the largest share: rounded up to the cent


def _percent(part: int, whole: int) -> str:
    if not whole:
        return "n/a"
    return f"{(Decimal(part) * 100 / whole).quantize(Decimal('0.1'))}%"
