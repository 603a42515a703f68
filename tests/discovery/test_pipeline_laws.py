"""The pipeline's laws on pure values (no app): top-K lists stay within their cap and
keep every key's count while it is not full; rough ranking scores each SKU by its
sources; re-ranking never returns a SKU it removed, never the same SKU twice, never more
than asked, and the items within their caps come first."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from merx.kernel.money import Money
from merx.recommendation import Features, Pipeline, RecallSource, Recommendation, Removed
from merx.recommendation.model import Candidate, Recalled, bump, rerank, rough_rank

SKUS = [f"s{n}" for n in range(30)]


@given(
    st.lists(st.tuples(st.sampled_from(SKUS), st.integers(1, 5)), max_size=80), st.integers(1, 10)
)
def test_a_top_k_list_never_exceeds_its_cap(adds: list[tuple[str, int]], cap: int) -> None:
    counts: dict[str, int] = {}
    exact: dict[str, int] = {}
    for key, by in adds:
        bump(counts, key, by, cap)
        exact[key] = exact.get(key, 0) + by
        assert len(counts) <= cap
    if len(exact) <= cap:
        assert counts == exact  # never full: every count exact


@given(
    st.dictionaries(
        st.sampled_from(list(RecallSource)), st.lists(st.sampled_from(SKUS), unique=True)
    )
)
def test_rough_ranking_scores_each_sku_by_the_sources_that_recalled_it(
    recalled: dict[RecallSource, list[str]],
) -> None:
    pipeline = Pipeline("p")
    ranked = rough_rank(Recalled(recalled), pipeline)
    expected = {
        sku
        for source, skus in recalled.items()
        if pipeline.weights.get(source, 0.0) >= 0
        for sku in skus[: pipeline.per_source]
    }
    assert {sku for sku, _, _ in ranked} == expected
    scores = [score for _, _, score in ranked]
    assert scores == sorted(scores, reverse=True)
    for sku, sources, _ in ranked:
        assert sources == {s for s, skus in recalled.items() if sku in skus[: pipeline.per_source]}


candidates = st.lists(
    st.tuples(
        st.sampled_from(SKUS), st.sampled_from("abc"), st.sampled_from("xyz"), st.booleans(),
        st.booleans(), st.booleans(), st.floats(0, 10),
    ),
    unique_by=lambda c: c[0],
    max_size=25,
)  # fmt: skip


@given(candidates, st.integers(1, 3), st.integers(1, 3), st.integers(1, 30))
def test_re_ranking_keeps_only_what_may_show_and_the_caps_first(
    rows: list[tuple[str, str, str, bool, bool, bool, float]],
    per_category: int,
    per_merchant: int,
    count: int,
) -> None:
    pipeline = Pipeline("p", max_per_category=per_category, max_per_merchant=per_merchant)
    price = Money.of("1.00", "CNY")
    built = [
        Candidate(
            Features(sku, category, merchant, price, 0, None, 0, frozenset(), score),
            on_sale=on_sale, sold_in_region=sold,
        )
        for sku, category, merchant, on_sale, sold, _, score in rows
    ]  # fmt: skip
    stocked = {row[0] for row in rows if row[5]}
    removed: list[Removed] = []
    items = rerank(
        built, [row[6] for row in rows], pipeline=pipeline, bought=frozenset(), count=count,
        in_stock=stocked.__contains__, removed=removed,
    )  # fmt: skip
    ok = {row[0] for row in rows if row[3] and row[4] and row[5]}
    shown = [item.sku_id for item in items]
    assert set(shown) <= ok
    assert len(shown) == len(set(shown)) <= count
    assert not set(shown) & {r.sku_id for r in removed}
    seen_c: dict[str, int] = {}
    seen_m: dict[str, int] = {}
    category = {row[0]: row[1] for row in rows}
    merchant = {row[0]: row[2] for row in rows}
    moved = False
    for item in items:
        moved = moved or any(note.startswith("moved down") for note in item.notes)
        if moved:
            assert any(note.startswith("moved down") for note in item.notes)
            continue
        seen_c[category[item.sku_id]] = seen_c.get(category[item.sku_id], 0) + 1
        seen_m[merchant[item.sku_id]] = seen_m.get(merchant[item.sku_id], 0) + 1
        assert seen_c[category[item.sku_id]] <= per_category
        assert seen_m[merchant[item.sku_id]] <= per_merchant
    if len(ok) >= count and not moved:
        assert len(shown) == count


def test_a_recommendation_names_its_experiment_in_its_source() -> None:
    assert Recommendation("p", (), (), "rec-ab", "b").source == "rec:rec-ab:b"
    assert Recommendation("p", (), ()).source == "rec::p"
