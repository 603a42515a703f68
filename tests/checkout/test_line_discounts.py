"""Each line's discounts by promotion and funding party add up both ways, to the cent."""

from __future__ import annotations

from hypothesis import given

from merx.checkout.model import line_discounts
from merx.kernel.money import Money
from merx.pricing import CartLine, Customer, Promotion, quote
from tests.pricing.strategies import AT, pricing_inputs

Inputs = tuple[tuple[CartLine, ...], list[Promotion], list[Promotion], Customer, str | None]


@given(pricing_inputs())
def test_line_discounts_split_each_funding_party_over_the_lines(inputs: Inputs) -> None:
    lines, automatic, wallet, customer, method = inputs
    pricing = quote(lines, automatic, wallet, customer, AT, method)
    found = line_discounts(pricing)
    assert set(found) == {line.sku for line in pricing.lines}
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
