"""Quote speed: p50/p99 of ``quote`` on generated carts, and the speed-up over the oracle.

Run: ``.venv/bin/python benchmarks/bench_quote.py`` (``--instructions``: only the
instruction counts). Figures are printed, never asserted.
Carts: 10 lines x 20 candidates and 100 lines x 200 candidates, each with 12 coupons in the
wallet; then the 10 x 20 carts again with freight and usage caps on (a template per seller,
free over an amount the goods straddle, caps on half the candidates with counts below them,
a destination), timed in the same rounds as without, and their instructions per quote
counted by callgrind in one run (when valgrind is installed: wall time on a shared machine
drifts, instruction counts repeat); then 14 candidates where the exhaustive oracle tries
all 16384 subsets.
"""

from __future__ import annotations

import functools
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs

from merx.kernel.money import Money
from merx.pricing import (
    Bundle,
    BundleItem,
    CartLine,
    Coupon,
    Customer,
    DirectReduction,
    FreeShipping,
    FreightRule,
    FreightTemplate,
    GiftItem,
    GiftPromotion,
    PaymentOff,
    PercentTier,
    Promotion,
    Scope,
    ThresholdOff,
    ThresholdPercent,
    Tier,
    exhaustive_quote,
    quote,
)

AT = datetime(2026, 6, 18, 2, 0, tzinfo=UTC)
CATEGORIES = ("phone", "shirt", "food", "books", "toys")


def yuan(value: int) -> Money:
    return Money.of(value, "CNY")


def cart(rng: random.Random, n_lines: int) -> list[CartLine]:
    merchants = [f"m{k}" for k in range(max(2, n_lines // 4))]
    return [
        CartLine(
            f"S{i:03d}",
            rng.choice(merchants),
            rng.choice(CATEGORIES),
            Money.from_minor(rng.randrange(990, 50_000, 10), "CNY"),
            rng.randint(1, 3),
        )
        for i in range(n_lines)
    ]


def automatic(rng: random.Random, lines: list[CartLine], n: int) -> list[Promotion]:
    """A realistic mix: per-product directs (some cross-store, platform-funded), bundles,
    store thresholds and gifts in small per-store groups, four platform promotions (two of
    them rivals in one group) and two payment reductions (one for the cart's method)."""
    merchants = sorted({line.merchant for line in lines})
    skus = [line.sku for line in lines]
    out: list[Promotion] = [
        ThresholdOff(
            id="PL-every",
            group="platform-rivals",
            tiers=(Tier(yuan(1000), yuan(100)),),
            repeat=True,
            cap=yuan(500),
        ),
        ThresholdPercent(
            id="PL-three",
            group="platform-rivals",
            tiers=(PercentTier(Decimal(8), min_quantity=3),),
        ),
        ThresholdOff(
            id="PL-cat",
            scope=Scope(categories=(rng.choice(CATEGORIES),)),
            tiers=(Tier(yuan(300), yuan(30)), Tier(yuan(600), yuan(70))),
        ),
        GiftPromotion(id="PL-gift", min_amount=yuan(2000), gift=GiftItem("TOTE", 1)),
        PaymentOff(id="PAY-card", payment_method="card", min_amount=yuan(99), off=yuan(10)),
        PaymentOff(id="PAY-wallet", payment_method="wallet", min_amount=yuan(99), off=yuan(15)),
    ]
    for k in range(n - len(out)):
        pid = f"A{k:03d}"
        roll = k % 10
        merchant = rng.choice(merchants)
        own = [line.sku for line in lines if line.merchant == merchant]
        if roll < 5:
            scope = Scope(skus=tuple(rng.sample(skus, rng.randint(1, 2))))
            if rng.random() < 0.5:
                out.append(DirectReduction(id=pid, scope=scope, off=yuan(rng.randint(5, 40))))
            else:
                out.append(DirectReduction(id=pid, scope=scope, price=yuan(rng.randint(20, 300))))
        elif roll == 5 and len(own) >= 2:
            pair = rng.sample(own, 2)
            items = (BundleItem(pair[0], 1), BundleItem(pair[1], 1))
            out.append(Bundle(id=pid, items=items, price=yuan(rng.randint(100, 600))))
        elif roll < 9:
            group = f"g-{merchant}" if rng.random() < 0.6 else None
            if roll == 6:
                tiers = (Tier(yuan(200), yuan(20)), Tier(yuan(500), yuan(60)))
                out.append(ThresholdOff(id=pid, merchant=merchant, group=group, tiers=tiers))
            elif roll == 7:
                ptiers = (PercentTier(Decimal(rng.choice([5, 10, 15])), min_amount=yuan(300)),)
                out.append(ThresholdPercent(id=pid, merchant=merchant, group=group, tiers=ptiers))
            else:
                gift = GiftItem("GIFT", 1)
                out.append(
                    GiftPromotion(
                        id=pid, merchant=merchant, group=group, min_amount=yuan(400), gift=gift
                    )
                )
        else:
            scope = Scope(merchants=(merchant,), skus=tuple(own[:2]) or None)
            out.append(DirectReduction(id=pid, scope=scope, off=yuan(rng.randint(1, 10))))
    return out


def wallet(rng: random.Random, lines: list[CartLine], n: int = 12) -> list[Promotion]:
    merchants = sorted({line.merchant for line in lines})
    coupons: list[Promotion] = []
    for k in range(n):
        cid = f"C{k:02d}"
        if k % 3 == 0:  # platform coupons
            if k % 2:
                coupons.append(
                    Coupon(
                        id=cid,
                        level="platform",
                        percent_off=Decimal(rng.choice([5, 10])),
                        max_off=yuan(rng.randint(20, 80)),
                    )
                )
            else:
                coupons.append(
                    Coupon(
                        id=cid,
                        level="platform",
                        min_amount=yuan(rng.randint(100, 2000)),
                        off=yuan(rng.randint(10, 150)),
                    )
                )
        else:
            coupons.append(
                Coupon(
                    id=cid,
                    level="store",
                    merchant=rng.choice(merchants),
                    min_amount=yuan(rng.randint(50, 800)),
                    off=yuan(rng.randint(5, 80)),
                )
            )
    return coupons


def scenario(
    seed: int, n_lines: int, n_automatic: int, n_coupons: int
) -> tuple[list[CartLine], list[Promotion], list[Promotion]]:
    rng = random.Random(seed)
    lines = cart(rng, n_lines)
    return lines, automatic(rng, lines, n_automatic), wallet(rng, lines, n_coupons)


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def timed(n_lines: int, n_candidates: int, scenarios: int, repeats: int, rounds: int = 5) -> None:
    """p50/p99 of each round of ``scenarios x repeats`` quotes; the median and the best
    round are printed (a shared machine only ever adds time)."""
    customer = Customer("u1", new_user=False)
    carts = [scenario(seed, n_lines, n_candidates - 12, 12) for seed in range(scenarios)]
    p50s: list[float] = []
    p99s: list[float] = []
    for _ in range(rounds):
        samples: list[float] = []
        for lines, promotions, coupons in carts:
            for _ in range(repeats):
                start = time.perf_counter()
                quote(lines, promotions, coupons, customer, AT, "card")
                samples.append(time.perf_counter() - start)
        p50s.append(percentile(samples, 0.5) * 1000)
        p99s.append(percentile(samples, 0.99) * 1000)
    print(
        f"{n_lines:>3} lines x {n_candidates:>3} candidates (12 coupons): "
        f"p50 {statistics.median(p50s):6.2f} ms (best round {min(p50s):.2f})  "
        f"p99 {statistics.median(p99s):6.2f} ms  ({rounds} rounds of {len(carts) * repeats} quotes)"
    )


def with_freight_and_caps(
    rng: random.Random, lines: list[CartLine], promotions: list[Promotion], coupons: list[Promotion]
) -> tuple[list[Promotion], list[Promotion], dict[str, Any]]:
    """The same cart with a piece or weight template per seller (free over an amount near
    the seller's goods, so discounts can cost freight), caps on every other promotion and
    coupon (the counts below them) and a destination."""
    templates = []
    for merchant in sorted({line.merchant for line in lines}):
        goods = sum(line.amount.minor for line in lines if line.merchant == merchant)
        rules = (
            FreightRule(("Xinjiang",), 1, yuan(20), 1, yuan(10)),
            FreightRule(("*",), 1, yuan(rng.randint(6, 12)), 1, yuan(rng.randint(2, 5))),
        )
        free_over = Money.from_minor(goods * rng.choice([90, 100, 110]) // 100, "CNY")
        templates.append(FreightTemplate(merchant, "piece", rules, free_over=free_over))
    capped = [
        attrs.evolve(p, per_customer_limit=2, global_limit=1000) if k % 2 else p
        for k, p in enumerate([*promotions, *coupons])
    ]
    used = {p.id: 1 for p in capped if p.per_customer_limit is not None}
    extras = {
        "destination": "Beijing",
        "freight": tuple(templates),
        "usage": dict.fromkeys(used, 10),
        "customer": Customer("u1", new_user=False, used=used),
    }
    return capped[: len(promotions)], capped[len(promotions) :], extras


Variant = tuple[list[CartLine], list[Promotion], list[Promotion], Customer, dict[str, Any]]


def variants(scenarios: int) -> dict[str, list[Variant]]:
    """The 10 x 20 carts as they are today, with freight and caps, and with a platform
    free-shipping promotion added (one more candidate)."""
    customer = Customer("u1", new_user=False)
    out: dict[str, list[Variant]] = {"today": [], "freight+caps": [], "+free shipping": []}
    for seed in range(scenarios):
        lines, promotions, coupons = scenario(seed, 10, 20 - 12, 12)
        out["today"].append((lines, promotions, coupons, customer, {}))
        rng = random.Random(10_000 + seed)
        automatic, wallet, extras = with_freight_and_caps(rng, lines, promotions, coupons)
        capped = extras.pop("customer")
        out["freight+caps"].append((lines, automatic, wallet, capped, extras))
        free = FreeShipping(
            id="FS", min_amount=yuan(rng.randint(200, 900)), group="platform-rivals"
        )
        out["+free shipping"].append((lines, [*automatic, free], wallet, capped, extras))
    return out


def price(variant: Variant) -> None:
    lines, promotions, coupons, customer, terms = variant
    quote(lines, promotions, coupons, customer, AT, "card", **terms)


def freight_versus_today(scenarios: int, repeats: int, rounds: int = 5) -> None:
    """The 10 x 20 quote with and without freight and caps (and with free shipping),
    interleaved in the same rounds."""
    carts = variants(scenarios)
    medians: dict[str, list[float]] = {name: [] for name in carts}
    for _ in range(rounds):
        samples: dict[str, list[float]] = {name: [] for name in carts}
        for k in range(scenarios):
            for name, variant in carts.items():
                for _ in range(repeats):
                    start = time.perf_counter()
                    price(variant[k])
                    samples[name].append(time.perf_counter() - start)
        for name, values in samples.items():
            medians[name].append(percentile(values, 0.5) * 1000)
    base = statistics.median(medians["today"])
    for name, values in medians.items():
        p50 = statistics.median(values)
        print(
            f" 10 lines x  20 candidates, {name:<15} p50 {p50:6.2f} ms  "
            f"ratio to today x{p50 / base:.2f}  ({rounds} rounds of {scenarios * repeats} quotes)"
        )


#: the C function callgrind counts inside: the measured quotes run in a ``functools.reduce``
#: (nothing in a quote calls it), and each call's count is dumped to a file of its own
_TOGGLE = "functools_reduce"


def _counted(scenarios: int) -> None:
    """Under callgrind: each variant's quotes once to warm up (definitions prepared), then
    each once more, counted on its own."""
    for variant in variants(scenarios).values():
        for cart in variant:
            price(cart)
        for cart in variant:
            functools.reduce(lambda _, one: price(one), [cart], None)


def instructions_versus_today(scenarios: int) -> None:
    """Instructions per quote of each variant (median and mean over the carts), counted by
    valgrind's callgrind in one run with a fixed hash seed: the machine's load does not
    change them."""
    if shutil.which("valgrind") is None:
        print(" instructions: valgrind is not on the PATH, not counted")
        return
    names = ("today", "freight+caps", "+free shipping")
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "callgrind.out"
        command = [
            "valgrind",
            "--tool=callgrind",
            f"--callgrind-out-file={out}",
            "--collect-atstart=no",
            f"--toggle-collect={_TOGGLE}",
            f"--dump-after={_TOGGLE}",
            sys.executable,
            __file__,
            "--counted",
            str(scenarios),
        ]
        env = {**os.environ, "PYTHONHASHSEED": "0"}
        subprocess.run(command, env=env, check=True, capture_output=True)
        counts: list[int] = []
        for part in range(1, len(names) * scenarios + 1):
            found = re.search(r"^totals: (\d+)", Path(f"{out}.{part}").read_text(), re.MULTILINE)
            assert found is not None, f"no totals in callgrind's dump {part}"
            counts.append(int(found.group(1)))
    per = {name: counts[k * scenarios : (k + 1) * scenarios] for k, name in enumerate(names)}
    median = statistics.median(per["today"])
    mean = statistics.mean(per["today"])
    for name, values in per.items():
        middle, average = statistics.median(values), statistics.mean(values)
        print(
            f" 10 lines x  20 candidates, {name:<15} median {middle / 1e6:5.2f} M instructions "
            f"x{middle / median:.2f}, mean {average / 1e6:5.2f} M x{average / mean:.2f} today's"
            f"  (callgrind, {scenarios} quotes)"
        )


def coupon_heavy(seed: int) -> tuple[list[CartLine], list[Promotion], list[Promotion]]:
    """4 automatic promotions and 10 store coupons, each for its own store: 2**10 valid
    selections for the oracle to price."""
    rng = random.Random(seed)
    lines = [
        CartLine(
            f"S{i}", f"m{i}", "phone", Money.from_minor(rng.randrange(5_000, 30_000), "CNY"), 1
        )
        for i in range(10)
    ]
    promotions: list[Promotion] = [
        ThresholdOff(id="PL", tiers=(Tier(yuan(800), yuan(60)), Tier(yuan(1200), yuan(120)))),
        ThresholdPercent(id="PCT", tiers=(PercentTier(Decimal(5), min_amount=yuan(1000)),)),
        DirectReduction(id="D", scope=Scope(skus=("S0", "S1")), off=yuan(10)),
        PaymentOff(id="PAY", payment_method="card", min_amount=yuan(900), off=yuan(25)),
    ]
    coupons: list[Promotion] = [
        Coupon(id=f"C{i}", merchant=f"m{i}", off=yuan(rng.randint(5, 40)), min_amount=yuan(50))
        for i in range(10)
    ]
    return lines, promotions, coupons


def versus_oracle(scenarios: int, heavy: bool) -> None:
    customer = Customer("u1", new_user=False)
    ours: list[float] = []
    oracle: list[float] = []
    for seed in range(scenarios):
        if heavy:
            lines, promotions, coupons = coupon_heavy(2000 + seed)
        else:
            # 9 automatic (one of them for another payment method) + 6 coupons = 14 candidates
            lines, promotions, coupons = scenario(1000 + seed, 10, 9, 6)
        start = time.perf_counter()
        fast = quote(lines, promotions, coupons, customer, AT, "card")
        ours.append(time.perf_counter() - start)
        start = time.perf_counter()
        slow = exhaustive_quote(lines, promotions, coupons, customer, AT, "card")
        oracle.append(time.perf_counter() - start)
        assert fast == slow, f"scenario {seed}: quote and oracle differ"
    speedup = statistics.median(o / q for o, q in zip(oracle, ours, strict=True))
    label = "coupon-heavy" if heavy else "mixed"
    print(
        f" 14 candidates ({label}) vs exhaustive oracle: "
        f"quote p50 {statistics.median(ours) * 1000:.2f} ms, "
        f"oracle p50 {statistics.median(oracle) * 1000:.0f} ms, speed-up x{speedup:.0f} "
        f"(median), identical results on {scenarios} carts"
    )


def main() -> None:
    if sys.argv[1:2] == ["--counted"]:
        _counted(int(sys.argv[2]))
        return
    if sys.argv[1:2] == ["--instructions"]:
        instructions_versus_today(scenarios=50)
        return
    timed(10, 20, scenarios=50, repeats=10)
    timed(100, 200, scenarios=20, repeats=5, rounds=3)
    freight_versus_today(scenarios=50, repeats=10)
    instructions_versus_today(scenarios=50)
    versus_oracle(scenarios=8, heavy=False)
    versus_oracle(scenarios=5, heavy=True)


if __name__ == "__main__":
    main()
