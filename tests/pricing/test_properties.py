"""Properties of the quote engine on random carts, checked against the exhaustive oracle."""

from __future__ import annotations

import json
from decimal import Decimal
from random import Random
from typing import Any

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from merx.kernel.money import Money
from merx.pricing import (
    CartLine,
    Coupon,
    Customer,
    FreightRule,
    FreightTemplate,
    PaymentOff,
    PercentTier,
    Promotion,
    Quote,
    Scope,
    ThresholdOff,
    ThresholdPercent,
    Tier,
    engine,
    exhaustive_quote,
    quote,
)
from merx.pricing.serde import converter_for, structure
from tests.pricing.strategies import (
    AT,
    CURRENCY,
    any_promotion,
    cart_lines,
    pricing_inputs,
    quote_extras,
)

Inputs = tuple[tuple[CartLine, ...], list[Promotion], list[Promotion], Customer, str | None]


def _quote(inputs: Inputs) -> Quote:
    lines, automatic, wallet, customer, method = inputs
    return quote(lines, automatic, wallet, customer, AT, method)


@given(pricing_inputs())
def test_search_matches_the_exhaustive_oracle(inputs: Inputs) -> None:
    lines, automatic, wallet, customer, method = inputs
    assert _quote(inputs) == exhaustive_quote(lines, automatic, wallet, customer, AT, method)


@settings(max_examples=300)
@given(st.data())
def test_with_freight_tax_and_caps_the_search_matches_the_exhaustive_oracle(
    data: st.DataObject,
) -> None:
    """Multibuy, free shipping, freight coupons, freight templates (every basis, free over
    an amount or pieces), usage caps and both tax modes: the search is still exact."""
    lines, automatic, wallet, customer, method = data.draw(pricing_inputs())
    extras = data.draw(quote_extras(tuple(p.id for p in [*automatic, *wallet])))
    result = quote(lines, automatic, wallet, customer, AT, method, **extras)
    assert result == exhaustive_quote(lines, automatic, wallet, customer, AT, method, **extras)
    goods = Money.sum((line.amount for line in result.lines), CURRENCY)
    tax = result.tax if extras["tax_mode"] == "exclusive" else Money.zero(CURRENCY)
    assert result.payable == goods + result.freight_fee + tax
    for seller in result.freight:
        assert not seller.fee.is_negative()
        assert seller.template_fee >= seller.fee


@given(pricing_inputs())
def test_with_nothing_to_choose_every_candidate_is_selected_as_the_oracle_says(
    inputs: Inputs,
) -> None:
    """No coupon, no group, no exclusion: the quote skips the search (a forced selection)."""
    lines, automatic, _, customer, method = inputs
    unlinked = [attrs.evolve(p, group=None, excludes=()) for p in automatic]
    result = quote(lines, unlinked, [], customer, AT, method)
    assert result == exhaustive_quote(lines, unlinked, [], customer, AT, method)
    candidates = {r.promotion_id for r in result.rejections if r.code != "not_chosen"}
    assert set(result.selected) <= {p.id for p in unlinked}
    assert not {r.promotion_id for r in result.rejections if r.code == "not_chosen"}
    assert set(result.selected) | candidates == {p.id for p in unlinked}


@given(pricing_inputs())
def test_each_promotion_is_allocated_exactly_and_no_line_goes_below_zero(inputs: Inputs) -> None:
    result = _quote(inputs)
    for applied in result.promotions:
        allocated = Money.sum(
            (
                allocation.amount
                for line in result.lines
                for allocation in line.allocations
                if allocation.promotion_id == applied.promotion_id
            ),
            CURRENCY,
        )
        assert allocated == applied.discount
        assert not applied.discount.is_negative()
    for line in result.lines:
        assert not line.amount.is_negative()
        assert all(a.amount.is_positive() for a in line.allocations)
    assert result.payable == Money.sum((line.amount for line in result.lines), CURRENCY)
    assert result.payable + result.discount == Money.sum(
        (line.list_amount for line in result.lines), CURRENCY
    )


@given(pricing_inputs())
def test_funding_splits_sum_to_each_discount(inputs: Inputs) -> None:
    result = _quote(inputs)
    for applied in result.promotions:
        assert Money.sum((f.amount for f in applied.funding), CURRENCY) == applied.discount
    assert Money.sum((f.amount for f in result.cost), CURRENCY) == result.discount


@given(pricing_inputs(), st.randoms(use_true_random=False))
def test_quote_does_not_depend_on_the_order_promotions_are_given_in(
    inputs: Inputs, random: Random
) -> None:
    lines, automatic, wallet, customer, method = inputs
    shuffled_automatic = list(automatic)
    shuffled_wallet = list(wallet)
    random.shuffle(shuffled_automatic)
    random.shuffle(shuffled_wallet)
    assert _quote(inputs) == quote(lines, shuffled_automatic, shuffled_wallet, customer, AT, method)


@given(pricing_inputs())
def test_applied_promotions_were_selected_and_every_candidate_is_accounted_for(
    inputs: Inputs,
) -> None:
    _, automatic, wallet, _, _ = inputs
    result = _quote(inputs)
    assert set(result.applied) <= set(result.selected)
    assert list(result.applied) == sorted(result.applied)
    reasons = {rejection.promotion_id for rejection in result.rejections}
    assert reasons.isdisjoint(result.applied)
    assert reasons | set(result.applied) == {p.id for p in [*automatic, *wallet]}


@given(pricing_inputs())
def test_refunding_a_line_unit_by_unit_returns_its_amount(inputs: Inputs) -> None:
    for line in _quote(inputs).lines:
        pieces = [line.net_of(1, after=k) for k in range(line.quantity)]
        assert Money.sum(pieces, CURRENCY) == line.amount
        assert line.net_of(line.quantity) == line.amount
        for allocation in line.allocations:
            parts = [
                line.allocation_of(allocation.promotion_id, 1, after=k)
                for k in range(line.quantity)
            ]
            assert Money.sum(parts, CURRENCY) == allocation.amount


@given(any_promotion())
def test_promotions_round_trip_through_the_converter_and_json(promotion: Promotion) -> None:
    converter = converter_for(CURRENCY)
    data = json.loads(json.dumps(converter.unstructure(promotion, Promotion)))
    assert structure(data, Promotion, CURRENCY) == promotion


@st.composite
def late_offers(draw: st.DrawFn) -> tuple[tuple[CartLine, ...], list[Promotion]]:
    """A cart and platform/payment promotions on random subsets of its lines (so they
    overlap partly, wholly or not at all)."""
    lines = draw(cart_lines(max_lines=5))
    skus = [line.sku for line in lines]
    chosen: list[Promotion] = []
    for k in range(draw(st.integers(1, 5))):
        scope = Scope(skus=tuple(draw(st.lists(st.sampled_from(skus), min_size=1, unique=True))))
        kind = draw(st.sampled_from(["off", "percent", "coupon", "payment"]))
        low = Money.from_minor(draw(st.integers(0, 20_000)), CURRENCY)
        off = Money.from_minor(draw(st.integers(1, 5_000)), CURRENCY)
        pid = f"L{k}"
        if kind == "off":
            chosen.append(ThresholdOff(id=pid, scope=scope, tiers=(Tier(low, off),)))
        elif kind == "percent":
            tier = PercentTier(Decimal(draw(st.integers(1, 50))), min_amount=low)
            chosen.append(ThresholdPercent(id=pid, scope=scope, tiers=(tier,)))
        elif kind == "coupon":
            chosen.append(Coupon(id=pid, level="platform", scope=scope, min_amount=low, off=off))
        else:
            chosen.append(PaymentOff(id=pid, scope=scope, payment_method="card", off=off))
    return lines, chosen


@settings(max_examples=300)
@given(late_offers())
def test_pricing_the_late_levels_for_the_payable_only_equals_the_full_pipeline(
    cart: tuple[tuple[CartLine, ...], list[Promotion]],
) -> None:
    """The search's leaves skip the per-line split of a platform/payment discount no later
    one depends on; the payable and the applied promotions stay those of the pipeline."""
    lines, late_promotions = cart
    problem = engine._Problem(lines, late_promotions, [], Customer("u1"), AT, "card")
    state = problem.initial.copy()
    applied = engine._run(problem.offers, state)
    late_run = engine._LateRun(problem.offers)
    assert late_run.price(problem.initial.amounts[:]) == (applied, sum(state.amounts))


def test_a_discount_inside_one_that_is_split_is_split_too() -> None:
    """L0 on line A lies inside L1 on A and B, and L1 is split because L2 covers B but not
    A: L0 must be split first, or L1's split (and so L2's base) would be wrong."""

    def yuan(value: int) -> Money:
        return Money.of(value, CURRENCY)

    lines = tuple(CartLine(sku, "m1", "c", yuan(100), 1) for sku in ("A", "B", "C"))
    late: list[Promotion] = [
        ThresholdOff(id="L0", scope=Scope(skus=("A",)), tiers=(Tier(yuan(1), yuan(50)),)),
        ThresholdPercent(
            id="L1", scope=Scope(skus=("A", "B")), tiers=(PercentTier(Decimal(30), min_quantity=1),)
        ),
        ThresholdPercent(
            id="L2", scope=Scope(skus=("B", "C")), tiers=(PercentTier(Decimal(10), min_quantity=1),)
        ),
    ]
    problem = engine._Problem(lines, late, [], Customer("u1"), AT, None)
    late_run = engine._LateRun(problem.offers)
    assert late_run.split == [True, True, False]
    state = problem.initial.copy()
    applied = engine._run(problem.offers, state)
    assert late_run.price(problem.initial.amounts[:]) == (applied, sum(state.amounts))


@st.composite
def free_over_near_the_goods(draw: st.DrawFn) -> tuple[Inputs, dict[str, Any]]:
    """Random inputs with platform and payment reductions added, and a piece template per
    merchant whose ``free_over`` sits at 60-110% of its list goods: discounts decide who
    pays freight, which is where the search's freight bound has to hold."""
    lines, automatic, wallet, customer, method = draw(pricing_inputs(6, 8))
    platform: list[Promotion] = [
        ThresholdPercent(
            id="XP",
            group=draw(st.sampled_from([None, "g1"])),
            tiers=(PercentTier(Decimal(draw(st.integers(1, 30))), min_quantity=1),),
        ),
        ThresholdOff(id="XT", tiers=(Tier(cny_of(draw(st.integers(0, 30_000))), cny_of(3_000)),)),
        Coupon(id="XC", level="platform", off=cny_of(draw(st.integers(100, 4_000)))),
        PaymentOff(id="XY", payment_method="card", off=cny_of(draw(st.integers(0, 2_000)))),
    ]
    chosen = draw(st.lists(st.sampled_from(platform), max_size=3, unique_by=lambda p: p.id))
    templates = []
    for merchant in sorted({line.merchant for line in lines}):
        goods = sum(line.amount.minor for line in lines if line.merchant == merchant)
        rule = FreightRule(("*",), 1, cny_of(draw(st.integers(0, 3_000))), 1, cny_of(100))
        free_over = cny_of(goods * draw(st.integers(60, 110)) // 100)
        templates.append(FreightTemplate(merchant, "piece", (rule,), free_over=free_over))
    automatic = [*automatic, *(p for p in chosen if not p.coupon)]
    wallet = [*wallet, *(p for p in chosen if p.coupon)]
    extras = {"destination": "Beijing", "freight": tuple(templates)}
    return (lines, automatic, wallet, customer, method), extras


def cny_of(minor: int) -> Money:
    return Money.from_minor(minor, CURRENCY)


@settings(max_examples=300)
@given(free_over_near_the_goods())
def test_with_free_over_near_the_goods_the_search_matches_the_exhaustive_oracle(
    case: tuple[Inputs, dict[str, Any]],
) -> None:
    (lines, automatic, wallet, customer, method), extras = case
    result = quote(lines, automatic, wallet, customer, AT, method, **extras)
    assert result == exhaustive_quote(lines, automatic, wallet, customer, AT, method, **extras)


@settings(max_examples=300)
@given(late_offers(), st.data())
def test_the_late_run_measures_the_goods_the_pipeline_leaves_after_the_platform_level(
    cart: tuple[tuple[CartLine, ...], list[Promotion]], data: st.DataObject
) -> None:
    """With measures (the freight thresholds' line sets), the payable-only run splits what
    a measure covers in part, and each measure's amount after the platform level is what
    the full pipeline leaves on its lines."""
    lines, late_promotions = cart
    problem = engine._Problem(lines, late_promotions, [], Customer("u1"), AT, "card")
    offers = problem.offers
    n = len(lines)
    masks = data.draw(st.lists(st.integers(1, (1 << n) - 1), max_size=3, unique=True))
    measures = [(mask, tuple(i for i in range(n) if mask >> i & 1)) for mask in masks]
    cut = sum(1 for offer in offers if offer.level != "payment")
    state = problem.initial.copy()
    applied = engine._run(offers[:cut], state)
    goods = {mask: sum(state.amounts[i] for i in chosen) for mask, chosen in measures}
    applied += engine._run(offers[cut:], state)
    measured: dict[int, int] = {}
    late_run = engine._LateRun(offers, measures, cut)
    assert late_run.price(problem.initial.amounts[:], measured) == (applied, sum(state.amounts))
    assert measured == goods


class _Forgetful(dict[Any, Any]):
    """A memo that remembers nothing: every look-up is computed afresh."""

    def __setitem__(self, key: Any, value: Any) -> None:
        pass


@settings(max_examples=150)
@given(free_over_near_the_goods())
def test_the_searchs_remembered_freight_terms_give_what_computing_them_afresh_gives(
    case: tuple[Inputs, dict[str, Any]],
) -> None:
    """The search remembers each baseline's freight floor and each late offer's waiving
    terms per seller; with those memos forgetting everything it chooses the same."""
    (lines, automatic, wallet, customer, method), extras = case
    terms = engine._Extras(extras["destination"], extras["freight"], None, None, "inclusive")
    problem = engine._Problem(lines, automatic, wallet, customer, AT, method, terms)
    remembering = engine._Search(problem)
    forgetting = engine._Search(problem)
    forgetting.floors = _Forgetful()
    forgetting.off_terms = _Forgetful()
    assert forgetting.run() == remembering.run()
    assert forgetting.best == remembering.best
    assert not forgetting.floors
    assert not forgetting.off_terms
