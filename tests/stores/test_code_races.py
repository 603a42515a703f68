"""Real concurrency for voucher codes, on a SQLite file and on PostgreSQL: OS processes
over one database race for a code's last uses, for one customer's single use of a
once-per-customer set, and (redeeming a hand-picked code into wallets and placing orders
with it) for the last coupons of the campaign's stock; the counts are exact and every
loser gets a typed error."""

from __future__ import annotations

from collections import Counter

from merx import promotions
from merx.errors import MerxError
from merx.kernel.ids import PLATFORM, CustomerId, OrderId
from merx.kernel.money import Money
from merx.pricing import Coupon
from merx.promotions.codes import code_promotion_id
from tests.stores.test_races import PROCESSES, race, reserve_retrying, shop, target

__all__ = ["target"]  # the fixture: a SQLite file, or a fresh PostgreSQL schema


def setup(path: str) -> dict[str, list[str]]:
    """A coupon campaign with two sets: ``shared`` (one code, 4 uses) and ``once`` (six
    codes, one use per customer)."""
    app = shop(path)
    coupon = Coupon(id="CODES", off=Money.of("5.00", "CNY"))
    campaign = app.handle(promotions.CreateCampaign(PLATFORM, coupon))
    for command in (promotions.SubmitCampaign, promotions.ApproveCampaign):
        app.handle(command(campaign, PLATFORM))
    app.handle(promotions.ScheduleCampaign(campaign, PLATFORM))
    app.handle(promotions.TickCampaigns())
    limits = {
        "shared": promotions.CodeLimits(uses_per_code=4),
        "once": promotions.CodeLimits(uses_per_code=None, once_per_customer=True),
    }
    codes: dict[str, list[str]] = {}
    for code_set, count in (("shared", 1), ("once", PROCESSES * 2)):
        app.handle(promotions.CreateCodeSet(code_set, campaign, PLATFORM, limits[code_set]))
        codes[code_set] = list(
            app.handle(promotions.GenerateVoucherCodes(code_set, count, PLATFORM))
        )
    return codes


def redeem(path: str, worker: int, customers: list[str], codes: list[str]) -> Counter[str]:
    """Each customer redeems the worker's codes in turn; the outcome of each, by name."""
    app = shop(path)
    outcomes: Counter[str] = Counter()
    for n, customer in enumerate(customers):
        code = codes[(worker * len(customers) + n) % len(codes)]
        try:
            app.handle(promotions.RedeemVoucherCode(CustomerId(customer), code))
            outcomes["redeemed"] += 1
        except MerxError as error:
            outcomes[type(error).__name__] += 1
    return outcomes


def test_processes_racing_for_a_codes_last_uses_use_it_exactly_its_count(target: str) -> None:
    codes = setup(target)
    customers = [f"c{n}" for n in range(3)]
    results: list[Counter[str]] = race(redeem, target, customers, codes["shared"])  # type: ignore[assignment]
    total = sum(results, Counter())
    assert total["redeemed"] == 4, total  # 9 tries for 4 uses
    assert set(total) - {"redeemed"} <= {"VoucherCodeUsedUp"}, total
    assert shop(target).get(promotions.VoucherCode, codes["shared"][0]).used == 4


def test_one_customer_racing_through_a_once_per_customer_set_uses_it_once(
    target: str,
) -> None:
    codes = setup(target)
    results: list[Counter[str]] = race(redeem, target, ["ann", "ann"], codes["once"])  # type: ignore[assignment]
    total = sum(results, Counter())
    assert total["redeemed"] == 1, total
    assert set(total) - {"redeemed"} <= {"VoucherCodeAlreadyUsed"}, total
    app = shop(target)
    assert sum(app.get(promotions.VoucherCode, code).used for code in codes["once"]) == 1


STOCK = 4


def setup_spring(path: str) -> None:
    """A coupon campaign with a stock of :data:`STOCK` coupons, and the hand-picked code
    ``SPRING2027``: unlimited uses, once per customer."""
    app = shop(path)
    limits = promotions.BudgetLimits(coupon_stock=STOCK)
    coupon = Coupon(id="SPRING", off=Money.of("5.00", "CNY"))
    campaign = app.handle(promotions.CreateCampaign(PLATFORM, coupon, limits))
    for command in (promotions.SubmitCampaign, promotions.ApproveCampaign):
        app.handle(command(campaign, PLATFORM))
    app.handle(promotions.ScheduleCampaign(campaign, PLATFORM))
    app.handle(promotions.TickCampaigns())
    once = promotions.CodeLimits(uses_per_code=None, once_per_customer=True)
    app.handle(promotions.CreateCodeSet("spring", campaign, PLATFORM, once))
    assert app.handle(promotions.AddVoucherCodes("spring", ("spring-2027",), PLATFORM)) == (
        "SPRING2027",
    )


def take_spring_coupons(path: str, worker: int, tries: int) -> Counter[str]:
    """``tries`` customers of the worker each use ``SPRING2027``: into the wallet, or in
    an order placed with it at checkout (retried on fresh state after a conflict, as the
    bus does); the outcome of each, by name."""
    app = shop(path)
    outcomes: Counter[str] = Counter()
    for k in range(tries):
        who = CustomerId(f"w{worker}-{k}")
        if k % 2:
            try:
                app.handle(promotions.RedeemVoucherCode(who, "Spring2027"))
                outcomes["taken"] += 1
            except MerxError as error:
                outcomes[type(error).__name__] += 1
            continue
        discounts = {code_promotion_id("SPRING", "SPRING2027"): Money.of("5.00", "CNY")}
        outcome = reserve_retrying(app, OrderId(f"o-{who}"), who, discounts)
        outcomes["taken" if outcome == "reserved" else outcome] += 1
    return outcomes


def test_codes_into_wallets_and_at_checkout_never_take_more_than_the_stock(
    target: str,
) -> None:
    setup_spring(target)
    results: list[Counter[str]] = race(take_spring_coupons, target, 3)  # type: ignore[assignment]
    total = sum(results, Counter())
    assert total["taken"] == STOCK, total  # 9 tries for 4 coupons
    assert set(total) - {"taken"} <= {"CouponStockExhausted"}, total
    app = shop(target)
    ledger = app.get(promotions.Campaign, "SPRING").ledger
    assert ledger.claimed + ledger.code_coupons == STOCK
    assert app.get(promotions.VoucherCode, "SPRING2027").used == STOCK
    assert app.get(promotions.CodeSet, "spring").picked == 1
