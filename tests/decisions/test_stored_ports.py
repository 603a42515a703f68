"""A default app's decisions read the tags of ``merx.tags`` and the experiments of
``merx.experiments`` in its own store (``merx.app.tagports``,
:class:`merx.experiments.StoredAssigner`): defined, published and pushed tags, the built-in
user tags, campaign audiences decided inside ``PlaceOrder``, and strategies running an
experiment, in memory and on SQLite and PostgreSQL across a restart."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from merx import (
    catalog,
    checkout,
    customers,
    decisions,
    inventory,
    orders,
    payments,
    promotions,
    tags,
)
from merx.app import App, StoredApp, build_memory_app, build_postgres_app, build_sqlite_app
from merx.customers import Address
from merx.decisions import (
    Access,
    Output,
    Permission,
    PublishScenario,
    Reason,
    SaveRule,
    SaveScenarioDraft,
    ScenarioDefinition,
    Strategy,
    ValueType,
    parse_rule,
)
from merx.errors import ValidationError
from merx.experiments import (
    DefineExperiment,
    Experiment,
    RecordExposure,
    ReweighExperiment,
    StartExperiment,
    StopExperiment,
    SubjectExposed,
    Variation,
)
from merx.kernel.ids import PLATFORM, CustomerId, SkuId, WarehouseId
from merx.kernel.money import Money
from merx.pricing import DirectReduction
from merx.tags import DataSource, DefineTag, Subject, TagKind, TagSpec, ValueKind
from tests.experiments.results import exposure_counts

D = Decimal
AB = (Variation("control", D("0.5")), Variation("treatment", D("0.5")))
SHIRT = SkuId("shirt")
ANN, BEN = CustomerId("ann"), CustomerId("ben")
VIPS = "promotion.vips"


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


def shop(app: App, *, discount: str | None = None, audience: str | None = None) -> App:
    """A shirt of 100.00 in stock, Ann and Ben registered with it in their carts and,
    with ``discount``, a running campaign of that much off for ``audience``."""
    app.handle(catalog.CreateSku(SHIRT, "Shirt", PLATFORM, "shirt", cny("100.00")))
    app.handle(inventory.OpenWarehouse(WarehouseId("wh"), "DC", "-", {"sh": 1}))
    app.handle(inventory.ReceiveStock(WarehouseId("wh"), SHIRT, 10, "po"))
    if discount is not None:
        definition = DirectReduction(id="D1", off=cny(discount))
        campaign = app.handle(promotions.CreateCampaign(PLATFORM, definition, audience=audience))
        for command in (promotions.SubmitCampaign, promotions.ApproveCampaign):
            app.handle(command(campaign, PLATFORM))
        app.handle(promotions.ScheduleCampaign(campaign, PLATFORM))
        app.handle(promotions.TickCampaigns())
    for who in (ANN, BEN):
        app.handle(customers.RegisterCustomer(who, who, "1"))
        app.handle(customers.AddAddress(who, "h", Address(who, "1", "sh", "r"), default=True))
        app.handle(checkout.AddToCart(who, SHIRT, 1))
    return app


def define_tag(app: App, name: str, kind: ValueKind, *options: str, publish: bool = True) -> None:
    value_type = tags.ValueType(kind, tuple(options))
    app.handle(DefineTag(TagSpec(name, TagKind.USER, value_type, DataSource.PUSHED)))
    if publish:
        app.handle(tags.PublishTag(name))


def scenario(app: App, key: str, *strategies: Strategy, output_type: ValueType) -> None:
    definition = ScenarioDefinition(
        inputs=(),
        callers=(Permission("checkout", {Access.API}),),
        strategies=strategies,
        default=Output("out", value=False if output_type is ValueType.BOOL else None),
        output_type=output_type,
    )
    app.handle(SaveScenarioDraft(key, definition))
    app.handle(PublishScenario(key))


def yes(name: str, rule: str) -> Strategy:
    return Strategy(name, parse_rule(rule), Output("in", value=True))


def decide(app: App, key: str, who: str) -> decisions.Decision:
    return app.decide(key, who, caller="checkout")


# -- tags ------------------------------------------------------------------------------


def test_a_pushed_tag_defined_with_merx_tags_makes_a_rule_match() -> None:
    app = build_memory_app()
    define_tag(app, "vip", ValueKind.BOOL)
    define_tag(app, "region", ValueKind.TEXT)
    define_tag(app, "tier", ValueKind.ENUM, "gold", "silver")
    app.handle(tags.PushTagValues(Subject.user(ANN), {"vip": True, "region": "hz", "tier": "gold"}))
    rule = 'vip = true and region in ["hz", "sh"] and tier = "gold"'
    scenario(app, "popup", yes("vips", rule), output_type=ValueType.BOOL)
    ann = decide(app, "popup", ANN)
    assert (ann.variant, ann.value, ann.reason) == ("in", True, Reason.TARGETING_MATCH)
    assert decide(app, "popup", BEN).variant == "out"  # no values: no match


def test_a_text_tag_is_a_string_and_an_enum_keeps_its_options() -> None:
    app = build_memory_app()
    define_tag(app, "region", ValueKind.TEXT)
    define_tag(app, "tier", ValueKind.ENUM, "gold", "silver")
    region = app.decider.catalog.describe("region")
    tier = app.decider.catalog.describe("tier")
    assert region == decisions.TagSpec("region", ValueType.STRING)
    assert tier == decisions.TagSpec("tier", ValueType.ENUM, frozenset({"gold", "silver"}))
    with pytest.raises(decisions.ValueTypeMismatch):
        app.handle(SaveRule("bad", parse_rule('tier = "bronze"')))


def test_a_draft_tag_and_a_product_tag_are_refused_in_rules() -> None:
    app = build_memory_app()
    define_tag(app, "vip", ValueKind.BOOL, publish=False)
    app.handle(
        DefineTag(
            TagSpec("fragile", TagKind.PRODUCT, tags.ValueType(ValueKind.BOOL), DataSource.PUSHED)
        )
    )
    app.handle(tags.PublishTag("fragile"))
    with pytest.raises(decisions.OfflineTag):
        app.handle(SaveRule("r", parse_rule("vip = true")))
    with pytest.raises(decisions.UnknownTag):
        app.handle(SaveRule("r", parse_rule("fragile = true")))


def test_the_builtin_order_count_after_a_paid_order_makes_a_rule_match() -> None:
    app = shop(build_memory_app())
    app.handle(tags.InstallBuiltinTags())
    scenario(app, "loyal", yes("buyers", "order_count_30d >= 1"), output_type=ValueType.BOOL)
    assert decide(app, "loyal", ANN).variant == "out"
    placed = app.handle(orders.PlaceOrder(ANN))
    assert decide(app, "loyal", ANN).variant == "out"  # placed, not paid
    app.handle(payments.PayOrder(placed.parent_id, "alipay"))
    assert decide(app, "loyal", ANN).variant == "in"
    assert decide(app, "loyal", BEN).variant == "out"


def test_a_campaign_audience_over_a_tag_is_decided_inside_place_order() -> None:
    app = shop(build_memory_app(), discount="10.00", audience=VIPS)
    define_tag(app, "vip", ValueKind.BOOL)
    app.handle(tags.PushTagValues(Subject.user(ANN), {"vip": True}))
    scenario(app, VIPS, yes("vips", "vip = true"), output_type=ValueType.BOOL)
    ann = app.handle(orders.PlaceOrder(ANN, expected_payable=cny("90.00")))
    ben = app.handle(orders.PlaceOrder(BEN, expected_payable=cny("100.00")))
    assert app.get(orders.ParentOrder, ann.parent_id).payable == cny("90.00")
    assert app.get(orders.ParentOrder, ben.parent_id).payable == cny("100.00")


# -- experiments -----------------------------------------------------------------------


def running(app: App, key: str = "copy") -> Experiment:
    app.handle(tags.InstallBuiltinTags())  # everyone has ``new_user``: rules for everyone
    app.handle(DefineExperiment(key=key, variations=AB))
    app.handle(StartExperiment(key))
    return app.get(Experiment, key)


def experimenting(app: App) -> None:
    strategy = Strategy(
        "everyone",
        parse_rule("new_user exists"),
        Output("plain"),
        experiment="copy",
        variations={"control": Output("plain"), "treatment": Output("countdown")},
    )
    scenario(app, "popup", strategy, output_type=ValueType.STRING)


def exposures(app: App) -> list[SubjectExposed]:
    return [e for e in app.events.events if isinstance(e, SubjectExposed)]


def test_a_running_experiment_splits_with_growthbooks_variation_and_sticks() -> None:
    app = build_memory_app()
    experiment = running(app)
    experimenting(app)
    people = [f"user-{n}" for n in range(20)]
    seen = {}
    for who in people:
        decision = decide(app, "popup", who)
        assert decision.reason is Reason.SPLIT
        assert decision.variation == experiment.variation_for(who)
        seen[who] = decision.variation
    assert set(seen.values()) == {"control", "treatment"}
    assert len(exposures(app)) == len(people)  # recorded once the decision was made
    assert sum(exposure_counts(app, "copy").values()) == len(people)
    app.handle(ReweighExperiment("copy", (D("0"), D("1")), D("1")))  # all new ones: treatment
    assert {who: decide(app, "popup", who).variation for who in people} == seen  # sticky
    assert len(exposures(app)) == len(people)  # and not exposed twice
    assert decide(app, "popup", "newcomer").variation == "treatment"


def test_an_experiment_not_running_or_unknown_assigns_nobody() -> None:
    app = build_memory_app()
    app.handle(tags.InstallBuiltinTags())
    experimenting(app)  # "copy" is not defined
    assert decide(app, "popup", "ann").reason is Reason.TARGETING_MATCH
    app.handle(DefineExperiment(key="copy", variations=AB))  # a draft
    assert decide(app, "popup", "ann").variation is None
    assert exposures(app) == []


def test_an_audience_with_an_experiment_records_the_exposure_after_place_order() -> None:
    app = shop(build_memory_app(), discount="10.00", audience=VIPS)
    experiment = running(app)
    strategy = Strategy(
        "half",
        parse_rule("new_user exists"),
        Output("out", value=False),
        experiment="copy",
        variations={"control": Output("out", value=False), "treatment": Output("in", value=True)},
    )
    scenario(app, VIPS, strategy, output_type=ValueType.BOOL)
    placed = app.handle(orders.PlaceOrder(ANN))
    shown = experiment.variation_for(ANN)
    off = cny("90.00") if shown == "treatment" else cny("100.00")
    assert app.get(orders.ParentOrder, placed.parent_id).payable == off
    assert [(e.subject_id, e.variation_key) for e in exposures(app)] == [(ANN, shown)]
    assert app.exposures is not None
    assert not app.exposures.pending


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def reopen(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[], App]]:
    """Opens an app over one store each call: a SQLite file or a fresh PostgreSQL schema."""
    opened: list[StoredApp] = []
    if request.param == "sqlite":
        path = tmp_path / "shop.db"

        def build() -> StoredApp:
            return build_sqlite_app(path)
    else:
        dsn: str = request.getfixturevalue("postgres_schema")()

        def build() -> StoredApp:
            return build_postgres_app(dsn, max_connections=2)

    def open_app() -> App:
        opened.append(build())
        return opened[-1]

    yield open_app
    for app in opened:
        app.close()
        closing = getattr(app.database, "close", None)  # a PostgreSQL pool
        if closing is not None:
            closing()


def test_tags_and_experiments_decide_the_same_after_a_restart(
    reopen: Callable[[], App],
) -> None:
    app = reopen()
    define_tag(app, "vip", ValueKind.BOOL)
    app.handle(tags.PushTagValues(Subject.user(ANN), {"vip": True}))
    scenario(app, VIPS, yes("vips", "vip = true"), output_type=ValueType.BOOL)
    experiment = running(app)
    experimenting(app)
    first = decide(app, "popup", ANN).variation
    assert first == experiment.variation_for(ANN)
    again = reopen()
    assert decide(again, VIPS, ANN).variant == "in"
    assert decide(again, VIPS, BEN).variant == "out"
    again.handle(ReweighExperiment("copy", (D("0"), D("1")), D("1")))
    assert decide(again, "popup", ANN).variation == first  # the stored sticky variation
    assert sum(exposure_counts(again, "copy").values()) == 1


def test_recording_an_exposure_keeps_the_first_and_skips_a_stopped_experiment() -> None:
    app = build_memory_app()
    running(app)
    at = app.clock.now()
    app.handle(RecordExposure("copy", ANN, "treatment", at))
    app.handle(RecordExposure("copy", ANN, "control", at))  # already exposed: kept
    assert exposure_counts(app, "copy") == {"treatment": 1}
    before = copy.deepcopy(app.store.tables)
    with pytest.raises(ValidationError, match="no variation 'other'"):
        app.handle(RecordExposure("copy", BEN, "other", at))
    assert app.store.tables == before
    app.handle(StopExperiment("copy"))
    app.handle(RecordExposure("copy", BEN, "control", at))
    assert exposure_counts(app, "copy") == {"treatment": 1}


def test_a_host_assigner_replaces_the_stored_one() -> None:
    app = build_memory_app(assigner=decisions.NoExperiments())
    running(app)
    experimenting(app)
    assert decide(app, "popup", ANN).reason is Reason.TARGETING_MATCH
    assert app.exposures is None
    assert exposures(app) == []
