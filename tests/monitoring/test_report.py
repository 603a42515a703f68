"""The day's report page: every section, inline SVG charts, nothing from outside the page,
every text escaped."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from merx.monitoring import AlarmLine, Bar, DailyReport, Figure, render_report
from merx.monitoring.report import SECTIONS, bar_chart, line_chart

NOW = datetime(2026, 1, 2, 0, 0, tzinfo=UTC)


def page(**extra: object) -> DailyReport:
    fields: dict[str, object] = {
        "title": "merx: the day's report",
        "day": date(2026, 1, 1),
        "generated_at": NOW,
        "metrics": (Figure("orders", "1,000"), Figure("customers paid", "1,234,567.00 CNY")),
        "hourly": tuple(Bar(f"{h:02d}h", Decimal(40 + h)) for h in range(24)),
        "funnel": (Bar("placed", Decimal(1000)), Bar("paid", Decimal(930))),
        "refunds": (Figure("refunded", "3,000.00 CNY"),),
        "refund_bars": (Bar("returns", Decimal(12)), Bar("refunds only", Decimal(3))),
        "settlement": (Bar("shop-1 available", Decimal("1520.50")),),
        "credit": (Bar("granted", Decimal(5_000_000)), Bar("used", Decimal(900_000))),
        "alarms": (AlarmLine("pay-rate", "rate below 0.8", "critical", "ok", ("#1 fired 10:00",)),),
        "watched": (Bar("10h", Decimal("0.71")), Bar("11h", Decimal("0.95"))),
        "watched_name": "payment_success_rate[channel=alipay]",
    }
    fields.update(extra)
    return DailyReport(**fields)  # type: ignore[arg-type]


def test_the_page_has_every_section_and_its_charts() -> None:
    html = render_report(page())
    assert html.startswith("<!DOCTYPE html>")
    for anchor, heading in SECTIONS:
        assert f'<section id="{anchor}"><h2>{heading}</h2>' in html
    sections = re.findall(r'<section id="(\w+)">(.*?)</section>', html, re.S)
    charts = {anchor: body.count("<svg") for anchor, body in sections}
    assert charts == {
        "metrics": 1,
        "funnel": 1,
        "refunds": 1,
        "settlement": 1,
        "credit": 1,
        "alarms": 1,
    }
    assert html.count("<rect") == 2 + 2 + 1 + 2  # funnel, refunds, settlement, credit bars
    assert "<polyline" in html
    assert "#1 fired 10:00" in html
    assert "1,234,567.00 CNY" in html


def test_the_page_reaches_for_nothing_outside_itself() -> None:
    html = render_report(page()).lower()
    for outside in ("http:", "https:", "//", "<script", "<link", "<img", "@import", "url("):
        assert outside not in html.replace("<!doctype html>", ""), outside


def test_an_empty_section_says_so_rather_than_drawing() -> None:
    html = render_report(page(hourly=(), funnel=(), alarms=(), watched=()))
    assert html.count('class="empty"') == 4
    assert bar_chart((), "x") == line_chart((), "x") == '<p class="empty">no data</p>'


@given(text=st.text(min_size=1, max_size=30))
def test_every_text_is_escaped(text: str) -> None:
    hostile = f"<i>{text}</i>"
    html = render_report(
        page(
            title=hostile,
            metrics=(Figure(hostile, hostile),),
            funnel=(Bar(hostile, Decimal(1)),),
            alarms=(AlarmLine(hostile, hostile, "info", "firing", (hostile,)),),
        )
    )
    assert "<i>" not in html


@given(
    values=st.lists(st.decimals(min_value=0, max_value=10**9, places=2), min_size=1, max_size=40)
)
def test_bars_stay_inside_the_chart(values: list[Decimal]) -> None:
    svg = bar_chart([Bar(str(n), v) for n, v in enumerate(values)], "t")
    for y, height in re.findall(
        r'<rect class="bar" x="[^"]+" y="([^"]+)" width="[^"]+" height="([^"]+)"', svg
    ):
        assert Decimal(0) <= Decimal(y)
        assert Decimal(y) + Decimal(height) <= Decimal(220)
