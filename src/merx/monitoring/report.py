"""The day's report as one self-contained HTML page: a pure renderer.

:class:`DailyReport` is a value (figures and bars already computed by the caller: the
host's metrics, or the simulation's reconciliation); :func:`render_report` turns it into
one page with inline CSS and inline SVG charts (bars, and a line for series over the
hours): no script, no font, no image, no address outside the page, so it opens anywhere,
offline. Every text is escaped. Chart geometry is computed in ``Decimal`` and written to
one decimal place (half even).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from html import escape

import attrs

from merx.monitoring.model import Alarm

WIDTH, HEIGHT, PAD = Decimal(640), Decimal(220), Decimal(28)
TENTH = Decimal("0.1")
#: The sections of a report, in order: (anchor, heading).
SECTIONS = (
    ("metrics", "Metrics of the day"),
    ("funnel", "Funnel"),
    ("refunds", "Refunds"),
    ("settlement", "Merchant settlement"),
    ("credit", "Credit buckets"),
    ("alarms", "Alarms"),
)


@attrs.frozen
class Figure:
    """One headline number, already written out (``"12,345.00 CNY"``, ``"97.2%"``)."""

    label: str
    value: str


@attrs.frozen
class Bar:
    """One bar (or one point of a line): a label and a non-negative ``Decimal`` value."""

    label: str
    value: Decimal


@attrs.frozen
class AlarmLine:
    """One alarm as the report shows it: its rule in words, its status now, and its
    incidents (opened and closed instants, the values that fired and recovered it)."""

    alarm_id: str
    rule: str
    severity: str
    status: str
    incidents: tuple[str, ...]

    @classmethod
    def of(cls, alarm: Alarm) -> AlarmLine:
        rule = alarm.rule
        words = (
            f"{rule.metric} ({rule.grain.value}) {rule.condition.value} "
            f"{rule.direction.value} {rule.bound}"
            + (f", window {rule.window}" if rule.window > 1 else "")
        )
        incidents = tuple(
            f"#{i.number} fired {i.opened_at:%Y-%m-%d %H:%M} on {i.bucket:%H:%M} ({i.value})"
            + (
                f", recovered {i.closed_at:%Y-%m-%d %H:%M} ({i.recovered_value})"
                if i.closed_at is not None
                else ", still firing"
            )
            for i in alarm.incidents
        )
        return cls(alarm.id, words, rule.severity.value, alarm.status.value, incidents)


@attrs.frozen
class DailyReport:
    """The day's report: figures and charts per section (see :data:`SECTIONS`).
    ``hourly`` is drawn as a line (e.g. orders per hour), the others as bars; ``watched``
    is the series an alarm watched (e.g. payment success rate by hour), drawn beside the
    alarms."""

    title: str
    day: date
    generated_at: datetime
    metrics: tuple[Figure, ...]
    hourly: tuple[Bar, ...] = ()
    funnel: tuple[Bar, ...] = ()
    refunds: tuple[Figure, ...] = ()
    refund_bars: tuple[Bar, ...] = ()
    settlement: tuple[Bar, ...] = ()
    credit: tuple[Bar, ...] = ()
    alarms: tuple[AlarmLine, ...] = ()
    watched: tuple[Bar, ...] = ()
    watched_name: str = ""


def render_report(report: DailyReport) -> str:
    """The report as one HTML page (UTF-8 text)."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{escape(report.title)}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>{escape(report.title)}</h1>",
        f"<p class=note>{report.day.isoformat()} &middot; generated "
        f"{escape(report.generated_at.isoformat())}</p>",
        "<nav>" + " ".join(f'<a href="#{a}">{escape(h)}</a>' for a, h in SECTIONS) + "</nav>",
    ]
    bodies = {
        "metrics": _figures(report.metrics) + line_chart(report.hourly, "Orders by hour"),
        "funnel": bar_chart(report.funnel, "Quote to order to paid"),
        "refunds": _figures(report.refunds) + bar_chart(report.refund_bars, "Refunds by kind"),
        "settlement": bar_chart(report.settlement, "Merchants' money"),
        "credit": bar_chart(report.credit, "Credit by bucket"),
        "alarms": _alarms(report.alarms)
        + line_chart(report.watched, report.watched_name or "Watched metric"),
    }
    for anchor, heading in SECTIONS:
        parts.append(f'<section id="{anchor}"><h2>{escape(heading)}</h2>{bodies[anchor]}</section>')
    parts.append("</body></html>")
    return "\n".join(parts)


def bar_chart(bars: Sequence[Bar], title: str) -> str:
    """Vertical bars scaled to the largest value, each labelled with its value."""
    if not bars:
        return '<p class="empty">no data</p>'
    top = max((bar.value for bar in bars), default=Decimal(0)) or Decimal(1)
    slot = (WIDTH - 2 * PAD) / len(bars)
    inner = HEIGHT - 2 * PAD
    shapes = []
    for n, bar in enumerate(bars):
        height = max(bar.value, Decimal(0)) / top * inner
        x = PAD + n * slot + slot / 10
        y = HEIGHT - PAD - height
        shapes.append(
            f'<rect class="bar" x="{_n(x)}" y="{_n(y)}" width="{_n(slot * 8 / 10)}" '
            f'height="{_n(height)}"><title>{escape(bar.label)}: {bar.value}</title></rect>'
            f'<text x="{_n(x + slot * 4 / 10)}" y="{_n(HEIGHT - PAD / 3)}" '
            f'text-anchor="middle">{escape(_short(bar.label))}</text>'
            f'<text x="{_n(x + slot * 4 / 10)}" y="{_n(y - 4)}" '
            f'text-anchor="middle">{escape(_short(str(bar.value)))}</text>'
        )
    return _svg(title, "".join(shapes))


def line_chart(points: Sequence[Bar], title: str) -> str:
    """A line through the points, left to right, scaled to the largest value; the first,
    the middle and the last labels under the axis."""
    if not points:
        return '<p class="empty">no data</p>'
    top = max((p.value for p in points), default=Decimal(0)) or Decimal(1)
    inner = HEIGHT - 2 * PAD
    step = (WIDTH - 2 * PAD) / max(len(points) - 1, 1)
    coords = [
        (PAD + n * step, HEIGHT - PAD - max(p.value, Decimal(0)) / top * inner)
        for n, p in enumerate(points)
    ]
    path = " ".join(f"{_n(x)},{_n(y)}" for x, y in coords)
    marks = "".join(
        f'<circle cx="{_n(x)}" cy="{_n(y)}" r="2.5"><title>{escape(p.label)}: {p.value}</title>'
        "</circle>"
        for (x, y), p in zip(coords, points, strict=True)
    )
    labels = "".join(
        f'<text x="{_n(coords[i][0])}" y="{_n(HEIGHT - PAD / 3)}" text-anchor="middle">'
        f"{escape(_short(points[i].label))}</text>"
        for i in sorted({0, len(points) // 2, len(points) - 1})
    )
    axis = f'<text x="{_n(PAD)}" y="{_n(PAD - 8)}">max {escape(str(top))}</text>'
    return _svg(title, f'<polyline class="line" points="{path}"/>{marks}{labels}{axis}')


def _svg(title: str, body: str) -> str:
    return (
        f'<figure><svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>'
        f'<line class="axis" x1="{PAD}" y1="{HEIGHT - PAD}" x2="{WIDTH - PAD}" '
        f'y2="{HEIGHT - PAD}"/>{body}</svg><figcaption>{escape(title)}</figcaption></figure>'
    )


def _figures(figures: Sequence[Figure]) -> str:
    if not figures:
        return ""
    cells = "".join(
        f'<div class="figure"><span>{escape(f.label)}</span><b>{escape(f.value)}</b></div>'
        for f in figures
    )
    return f'<div class="figures">{cells}</div>'


def _alarms(alarms: Sequence[AlarmLine]) -> str:
    if not alarms:
        return '<p class="empty">no alarm rules</p>'
    rows = "".join(
        f'<tr class="{escape(a.status)}"><td>{escape(a.alarm_id)}</td><td>{escape(a.rule)}</td>'
        f"<td>{escape(a.severity)}</td><td>{escape(a.status)}</td>"
        f"<td>{'<br>'.join(escape(i) for i in a.incidents) or 'none'}</td></tr>"
        for a in alarms
    )
    return (
        "<table><thead><tr><th>Alarm</th><th>Rule</th><th>Severity</th><th>Status</th>"
        f"<th>Incidents</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def _n(value: Decimal) -> str:
    return str(value.quantize(TENTH))


def _short(text: str) -> str:
    return text if len(text) <= 14 else text[:13] + "\u2026"


_CSS = (
    "body{font-family:system-ui,sans-serif;margin:2em auto;max-width:960px;color:#222}"
    "h1{margin-bottom:0}.note{color:#666}nav a{margin-right:1em}"
    "section{border-top:1px solid #ddd;margin-top:1.5em}"
    ".figures{display:flex;flex-wrap:wrap;gap:.5em}"
    ".figure{border:1px solid #ddd;border-radius:4px;padding:.4em .8em}"
    ".figure span{display:block;color:#666;font-size:.8em}"
    ".chart{width:100%;height:auto}.chart text{font-size:10px;fill:#444}"
    ".bar{fill:#4a7bb7}.line{fill:none;stroke:#c0392b;stroke-width:2}"
    ".axis{stroke:#999}circle{fill:#c0392b}"
    "table{border-collapse:collapse;width:100%}td,th{border:1px solid #ddd;padding:.3em;"
    "text-align:left;vertical-align:top}tr.firing{background:#fde2e1}"
    "tr.recovered{background:#e6f4e6}.empty{color:#999}"
)
