"""The simulation watched: hourly metrics from the day's events, alarm rules evaluated as
the clock passes each hour, an injected incident, and the day's HTML report.

The alarms read merx's data system: the committed events are ingested into a facts
store (:func:`merx.data.ingest`, the same facts the outbox collector makes) and the rules
name metrics of :data:`merx.data.METRICS` (``payment_success_rate[channel=alipay]``: one
channel's breakdown), answered through :func:`merx.app.monitoring.facts_metrics`. The
report's numbers come from the simulation's reconciliation report, a few hourly counts
folded here, and the data system's credit metrics.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from merx import aftersales, data, monitoring, orders, payments
from merx.adapters.memory import FixedClock
from merx.app import App, StoredApp, register_monitoring
from merx.app.data import memory_facts
from merx.app.monitoring import facts_metrics
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
WATCHED = f"payment_success_rate[channel={INCIDENT_CHANNEL}]"
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
        self.facts = memory_facts()
        self.metrics = facts_metrics(self.facts)
        register_monitoring(app.bus, clock=clock, metrics=self.metrics, messenger=app.messenger)
        for rule in alarm_rules():
            app.handle(monitoring.SaveAlarmRule(rule))
        self.hourly = HourlyFacts()
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
        events = list(self._new_events())
        for event in events:
            self.hourly.fold(event)
        attribution = data.StoredAttribution(self.app.unit_of_work())
        data.ingest(self.facts, events, at=self.clock.now(), attribution=attribution)
        self._next_hour = max(self._next_hour, now_hour + HOUR)
        self.evaluations.append(self.app.handle(monitoring.EvaluateAlarms()))

    def _new_events(self) -> Iterator[DomainEvent]:
        app = self.app
        if not isinstance(app, StoredApp):
            events = app.events.events
            new, self._position = events[self._position :], len(events)
            yield from new
            return
        known = app.new_unit_of_work().documents
        names = {known.name_of(kind) for kind in (*FOLDED, *data.COLLECTED)}
        while rows := app.database.events_after(self._position, 5_000):
            for _, _, name, payload in rows:
                if name in names:
                    yield known.read_event(name, payload)
            self._position = rows[-1][0]

    def alarms(self) -> list[monitoring.Alarm]:
        return [self.app.get(monitoring.Alarm, rule.alarm_id) for rule in alarm_rules()]

    def watched(self) -> tuple[Bar, ...]:
        """The watched channel's success rate by hour, as the alarm read it."""
        start, end = self.start, self._next_hour
        return tuple(
            Bar(f"{hour:%m-%d %H}h", rate)
            for hour, rate in self.metrics.series(WATCHED, start, end, Grain.HOUR.value)
        )

    def credit(self) -> tuple[Bar, ...]:
        """Credit outstanding and the overdue buckets at the end of the run."""
        start, end = self.start.replace(hour=0), self._next_hour
        names = ("credit_outstanding", "overdue_m1", "overdue_m2", "overdue_m3_plus")
        return tuple(
            Bar(name.replace("_", " "), rows[-1].value if rows else Decimal(0))
            for name in names
            for rows in [data.metric_series(self.facts, name, start=start, end=end)]
        )


def _hour(at: datetime) -> datetime:
    return at.replace(minute=0, second=0, microsecond=0)


def daily_report(result: dict[str, Any], watch: Watch, title: str) -> DailyReport:
    """The page's value, from the simulation's reconciliation ``result`` and the watch."""
    money = result["money"]
    facts = watch.hourly
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
    credit = watch.credit() + tuple(Bar(k, v.amount) for k, v in result["credit limits"].items())
    credit += tuple(
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
