"""Each line's discounts by promotion and funding party add up both ways, to the cent."""

from __future__ import annotations

from hypothesis import given

from merx.checkout import LineDiscount
from merx.checkout.model import line_discounts
from merx.kernel.money import Money
from merx.promotions import CartLine, Customer, Promotion, Quote, quote
from tests.promotions.strategies import AT, pricing_inputs

Inputs = tuple[tuple[CartLine, ...], list[Promotion], list[Promotion], Customer, str | None]


def reference(pricing: Quote) -> dict[str, tuple[LineDiscount, ...]]:
    """The rule in Money: each party but the last takes ``Money.allocate`` of its total
    over the promotion's line shares, the last takes what is left of each line."""
    by_sku: dict[str, list[LineDiscount]] = {line.sku: [] for line in pricing.lines}
    for applied in pricing.promotions:
        shares = [
            (line.sku, a.amount)
            for line in pricing.lines
            for a in line.allocations
            if a.promotion_id == applied.promotion_id and a.amount.is_positive()
        ]
        if not shares:
            continue
        remaining = dict(shares)
        parties = [f for f in applied.funding if f.amount.is_positive()]
        for index, funding in enumerate(parties):
            if index == len(parties) - 1:
                parts = [remaining[sku] for sku, _ in shares]
            else:
                parts = funding.amount.allocate([amount for _, amount in shares])
            for (sku, _), part in zip(shares, parts, strict=True):
                remaining[sku] -= part
                if part.is_positive():
                    by_sku[sku].append(LineDiscount(applied.promotion_id, funding.party, part))
    return {sku: tuple(parts) for sku, parts in by_sku.items()}


@given(pricing_inputs())
def test_line_discounts_split_each_funding_party_over_the_lines(inputs: Inputs) -> None:
    lines, automatic, wallet, customer, method = inputs
    pricing = quote(lines, automatic, wallet, customer, AT, method)
    found = line_discounts(pricing)
    assert found == reference(pricing)
    for line in pricing.lines:  # per line: the parts add up to each promotion's allocation
        for allocation in line.allocations:
            parts = [d.amount for d in found[line.sku] if d.promotion_id == allocation.promotion_id]
            assert Money.sum(parts, pricing.currency) == allocation.amount
    for applied in pricing.promotions:  # per party: its parts add up to its funding
        for funding in applied.funding:
            parts = [
                d.amount
                for discounts in found.values()
                for d in discounts
                if d.promotion_id == applied.promotion_id and d.party == funding.party
            ]
            assert Money.sum(parts, pricing.currency) == funding.amount
