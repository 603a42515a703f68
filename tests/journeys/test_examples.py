"""The examples run as written and tell the truth about the state they leave."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
sys.path.insert(0, str(EXAMPLES))

import journey_merchant  # noqa: E402
import journey_phone  # noqa: E402
import journey_presale  # noqa: E402
import journey_topup  # noqa: E402
import reach_90_days  # noqa: E402

from merx import catalog, inventory, orders, procurement  # noqa: E402
from merx.app import build_memory_app  # noqa: E402


def test_journey_phone_procures_sells_and_refunds() -> None:
    app = journey_phone.build_app()
    lines: list[str] = []
    journey_phone.run(app, lines.append)
    assert any("refused" in line for line in lines)
    assert app.get(catalog.Sku, journey_phone.PHONE).cost is not None
    stock = app.get(
        inventory.StockItem, inventory.stock_key(journey_phone.SHANGHAI_DC, journey_phone.PHONE)
    )
    assert (stock.on_hand, stock.reserved) == (9, 0)  # 10 received, 1 shipped, 1 refunded
    assert app.get(orders.Order, "ord-000001-1").status is orders.OrderStatus.COMPLETED
    assert app.get(orders.Order, "ord-000002-1").status is orders.OrderStatus.CLOSED
    assert app.get(procurement.PurchaseOrder, "po-000001").status.value == "received"


def test_journey_topup_credits_refunds_and_waits() -> None:
    app = build_memory_app()
    lines: list[str] = []
    journey_topup.run(app, lines.append)
    statuses = [app.get(orders.Order, f"ord-00000{n}-1").status.value for n in (1, 2, 3)]
    assert statuses == ["completed", "closed", "completed"]
    assert "refunded 98.00 CNY" in lines[2]
    assert lines[-1].endswith("credited 1x")


def test_journey_merchant_from_onboarding_to_first_withdrawal() -> None:
    app = journey_merchant.build_app()
    lines: list[str] = []
    journey_merchant.run(app, lines.append)
    assert lines[1].endswith("is active")
    assert "368.00 CNY" in lines[2]  # 2 x 199.00 less the store's own 30.00
    assert "184.00 CNY refunded" in lines[4]
    # 184.00 kept by the customer, 5% commission 9.20: the merchant is paid 174.80
    assert lines[-2] == "withdrawal of 174.80 CNY: paid"
    assert lines[-1] == "ledger reconciled: True"


def test_journey_presale_pays_a_balance_and_forfeits_a_deposit() -> None:
    app = journey_presale.build_app()
    lines: list[str] = []
    journey_presale.run(app, lines.append)
    kept, dropped = (app.get(orders.PresaleOrder, f"pre-00000{n}") for n in (1, 2))
    assert (kept.status, dropped.status) == (
        orders.PresaleStatus.BALANCE_PAID,
        orders.PresaleStatus.FORFEITED,
    )
    assert "balance of 900.00 CNY" in lines[3]  # 1000.00 less the deposit's 100.00
    assert "950.00 CNY paid in all" in lines[3]
    assert "timer ends 0" in lines[5]
    assert "keeps 50.00 CNY" in lines[6]
    stock = app.get(
        inventory.StockItem, inventory.stock_key(journey_presale.DC, journey_presale.WATCH)
    )
    assert (stock.on_hand, stock.reserved) == (2, 0)  # one shipped, bo's released
    assert app.get(orders.Order, "pre-000002-1").status is orders.OrderStatus.COMPLETED


def test_reach_90_days_reaches_the_lapsed_within_quiet_hours_and_caps() -> None:
    app = reach_90_days.build_app()
    lines: list[str] = []
    reach_90_days.run(app, lines.append)
    assert "0 sent; skipped: not_in_segment 1, no_consent 1, quiet_hours 4" in lines[3]
    assert "4 sent" in lines[4]
    assert "0 sent; skipped: capped 4" in lines[6]
    assert "40.00 CNY" in lines[7]  # half price for the lapsed
    total = app.reach_report("back-in-90").total
    assert (total.reached, total.returned, total.ordered) == (4, 2, 1)
    assert str(total.gmv) == "40.00 CNY"
    texts = {sms.customer_id: sms.body for sms in app.messenger.delivered}
    assert set(texts) == {"amy", "bo", "cai", "eve"}  # dan: no consent; fei: bought in March
    assert not any("1380000" in body for body in texts.values())  # the phone is the recipient


def test_simulate_runs_as_make_demo_does(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / "simulate.py"), "--orders", "150"],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert "orders by final state:" in done.stdout
    assert "  ok: True" in done.stdout
    assert "  store: sqlite merx-demo.db (synchronous NORMAL)" in done.stdout
    assert (tmp_path / "merx-demo.db").exists()  # the day is kept in a file
    assert "simulate: 150/150 orders" in done.stderr  # plain progress lines off a terminal


TOURED = [
    "phone",
    "merchant",
    "topup",
    "installments",
    "presale",
    "decision_popup",
    "homepage",
    "reach_90_days",
]


def script_of(journey: str) -> Path:
    named = EXAMPLES / f"{journey}.py"
    return named if named.exists() else EXAMPLES / f"journey_{journey}.py"


@pytest.mark.parametrize("journey", TOURED)
def test_the_tour_shows_what_each_journey_prints(journey: str) -> None:
    done = subprocess.run(
        [sys.executable, str(script_of(journey))],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    tour = (EXAMPLES.parent / "docs" / "tour.md").read_text()
    assert f"```\n{done.stdout.rstrip()}\n```" in tour


@pytest.mark.parametrize("journey", TOURED)
def test_each_journey_says_it_takes_no_options(journey: str) -> None:
    script = str(script_of(journey))
    shown = subprocess.run(
        [sys.executable, script, "--help"], capture_output=True, text=True, timeout=60, check=False
    )
    assert shown.returncode == 0
    assert "takes no options (no --seed)" in " ".join(shown.stdout.split())
    refused = subprocess.run(
        [sys.executable, script, "--seed", "3"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert refused.returncode == 2
    assert "unrecognized arguments: --seed 3" in refused.stderr
