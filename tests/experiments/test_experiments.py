"""Experiments through the app: definitions refused whole, the life cycle, sticky
assignment with exposure events, namespaces and results from paid orders."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import attrs
import pytest

from merx import catalog, checkout, customers, experiments, inventory, orders, payments
from merx.app import MemoryApp, build_memory_app
from merx.app.documents import documents
from merx.customers import Address
from merx.errors import AlreadyExists, IllegalTransition, NotFound, ValidationError
from merx.experiments import (
    AssignVariation,
    DefineExperiment,
    Experiment,
    ExperimentStatus,
    InvalidExperiment,
    InvalidWeights,
    NamespaceOverlap,
    NamespaceRange,
    ReweighExperiment,
    StartExperiment,
    StopExperiment,
    SubjectConverted,
    SubjectExposed,
    Variation,
    VariationResult,
)
from merx.experiments import services as experiments_services
from merx.kernel.ids import PLATFORM, CustomerId, SkuId, WarehouseId
from merx.kernel.money import Money
from tests.experiments.results import results_of

D = Decimal
AB = (Variation("control", D("0.5")), Variation("treatment", D("0.5")))


def define(app: MemoryApp, key: str = "popup", **kwargs: object) -> str:
    command = DefineExperiment(key=key, variations=kwargs.pop("variations", AB), **kwargs)  # type: ignore[arg-type]
    return app.handle(command)


def running(app: MemoryApp, key: str = "popup", **kwargs: object) -> str:
    define(app, key, **kwargs)
    app.handle(StartExperiment(key))
    return key


@pytest.mark.parametrize(
    ("variations", "error"),
    [
        ((Variation("a", D("0.5")), Variation("b", D("0.4"))), InvalidWeights),  # 0.9
        ((Variation("a", D("0.6")), Variation("b", D("0.6"))), InvalidWeights),  # 1.2
        ((Variation("a", D("1.2")), Variation("b", D("-0.2"))), InvalidWeights),
        ((Variation("a", D("NaN")), Variation("b", D("0.5"))), InvalidWeights),
        ((Variation("a", 0.5), Variation("b", 0.5)), InvalidWeights),  # type: ignore[arg-type]
        ((Variation("a", D("1")),), InvalidExperiment),
        ((Variation("a", D("0.5")), Variation("a", D("0.5"))), InvalidExperiment),
    ],
)
def test_bad_definitions_are_refused_and_nothing_is_saved(
    variations: tuple[Variation, ...], error: type[Exception]
) -> None:
    app = build_memory_app()
    with pytest.raises(error):
        define(app, variations=variations)
    with pytest.raises(NotFound):
        app.get(Experiment, "popup")


def test_weights_within_growthbooks_tolerance_are_taken() -> None:
    app = build_memory_app()
    define(app, variations=(Variation("a", D("0.495")), Variation("b", D("0.495"))))
    assert app.get(Experiment, "popup").status is ExperimentStatus.DRAFT


@pytest.mark.parametrize(
    "kwargs",
    [
        {"coverage": D("1.1")},
        {"coverage": D("-0.1")},
        {"coverage": D("NaN")},
        {"coverage": 0.5},
        {"namespace": NamespaceRange("ns", D("NaN"), D("0.5"))},
        {"hash_version": 3},
        {"namespace": NamespaceRange("ns", D("0.5"), D("0.5"))},
        {"namespace": NamespaceRange("ns", D("0.5"), D("1.5"))},
        {"key": " "},
    ],
)
def test_malformed_experiments_are_refused(kwargs: dict[str, object]) -> None:
    app = build_memory_app()
    key = str(kwargs.pop("key", "popup"))
    with pytest.raises(InvalidExperiment):
        define(app, key, **kwargs)


def test_the_seed_defaults_to_the_key_and_a_key_is_defined_once() -> None:
    app = build_memory_app()
    define(app)
    assert app.get(Experiment, "popup").seed == "popup"
    assert app.get(Experiment, "popup").hash_version == 2
    with pytest.raises(AlreadyExists):
        define(app)


def test_overlapping_ranges_in_one_namespace_are_refused_and_nothing_is_saved() -> None:
    app = build_memory_app()
    define(app, "a", namespace=NamespaceRange("home", D("0"), D("0.5")))
    define(app, "b", namespace=NamespaceRange("home", D("0.5"), D("1")))  # touching is fine
    define(app, "c", namespace=NamespaceRange("other", D("0.2"), D("0.7")))
    with pytest.raises(NamespaceOverlap, match="'a'"):
        define(app, "d", namespace=NamespaceRange("home", D("0.4"), D("0.6")))
    with pytest.raises(NotFound):
        app.get(Experiment, "d")
    app.handle(StopExperiment("a"))  # a stopped experiment gives its range back
    define(app, "d", namespace=NamespaceRange("home", D("0.4"), D("0.5")))


def test_experiments_in_one_namespace_never_share_a_subject() -> None:
    app = build_memory_app()
    running(app, "a", namespace=NamespaceRange("home", D("0"), D("0.5")))
    running(app, "b", namespace=NamespaceRange("home", D("0.5"), D("1")))
    seen = {"a": 0, "b": 0}
    for number in range(400):
        subject = f"user-{number}"
        got = {key: app.handle(AssignVariation(key, subject)) for key in ("a", "b")}
        assert None in got.values(), subject
        for key, variation in got.items():
            seen[key] += variation is not None
    assert seen["a"] > 150
    assert seen["b"] > 150


def test_life_cycle_draft_running_stopped() -> None:
    app = build_memory_app()
    define(app)
    assert app.handle(AssignVariation("popup", "amy")) is None  # a draft assigns nobody
    app.handle(StartExperiment("popup"))
    assert app.handle(AssignVariation("popup", "amy")) in {"control", "treatment"}
    app.handle(StopExperiment("popup"))
    assert app.handle(AssignVariation("popup", "amy")) is None
    with pytest.raises(IllegalTransition):
        app.handle(StartExperiment("popup"))
    with pytest.raises(IllegalTransition):
        app.handle(ReweighExperiment("popup", (D("0.5"), D("0.5")), D(1)))


def test_an_exposed_subject_keeps_its_variation_when_the_weights_change() -> None:
    app = build_memory_app()
    running(app)
    first = {f"u{n}": app.handle(AssignVariation("popup", f"u{n}")) for n in range(200)}
    app.handle(ReweighExperiment("popup", (D("0.01"), D("0.99")), D(1)))
    fresh = app.get(Experiment, "popup")
    moved = [s for s, v in first.items() if fresh.variation_for(s) != v]
    assert moved  # the new weights alone would move these subjects...
    for subject, variation in first.items():  # ...but they keep what they saw
        assert app.handle(AssignVariation("popup", subject)) == variation
    exposed = [e for e in app.events.events if isinstance(e, SubjectExposed)]
    assert len(exposed) == 200  # one exposure per subject, never again
    assert {(e.subject_id, e.variation_key) for e in exposed} == set(first.items())


def test_bad_reweighing_is_refused_and_changes_nothing() -> None:
    app = build_memory_app()
    running(app)
    with pytest.raises(InvalidWeights):
        app.handle(ReweighExperiment("popup", (D("0.3"), D("0.3")), D(1)))
    with pytest.raises(InvalidWeights):
        app.handle(ReweighExperiment("popup", (D("1"),), D(1)))
    assert app.get(Experiment, "popup").variations == AB


def test_an_empty_subject_id_is_refused() -> None:
    app = build_memory_app()
    running(app)
    with pytest.raises(ValidationError):
        app.handle(AssignVariation("popup", ""))


SKU, DC = SkuId("shirt"), WarehouseId("wh")


def shop() -> MemoryApp:
    app = build_memory_app()
    app.handle(catalog.CreateSku(SKU, "Shirt", PLATFORM, "shirt", Money.of("10.00", "CNY")))
    app.handle(inventory.OpenWarehouse(DC, "DC", "-", {"sh": 1}))
    app.handle(inventory.ReceiveStock(DC, SKU, 1000, "po"))
    return app


def buy(app: MemoryApp, who: str, register: bool = True) -> None:
    cid = CustomerId(who)
    if register:
        app.handle(customers.RegisterCustomer(cid, who, "1"))
        app.handle(customers.AddAddress(cid, "h", Address(who, "1", "sh", "r"), default=True))
    app.handle(checkout.AddToCart(cid, SKU, 1))
    placed = app.handle(orders.PlaceOrder(cid))
    app.handle(payments.PayOrder(placed.parent_id, "alipay"))


def test_results_count_exposures_and_orders_paid_after_exposure() -> None:
    app = shop()
    buy(app, "early")  # pays before the experiment exposes them: no conversion
    running(app)
    subjects = ["early", *(f"c{n}" for n in range(12))]
    seen = {s: app.handle(AssignVariation("popup", s)) for s in subjects}
    app.clock.advance(timedelta(minutes=1))
    buyers = subjects[1:7]
    for who in buyers:
        buy(app, who)
    buy(app, buyers[0], register=False)  # a second order converts nobody twice
    buy(app, "never-exposed")
    results = {r.variation_key: r for r in results_of(app, "popup")}
    for key in ("control", "treatment"):
        exposed = sum(1 for v in seen.values() if v == key)
        converted = sum(1 for s in buyers if seen[s] == key)
        rate = (D(converted) / D(exposed)).quantize(D("0.0001")) if exposed else D(0)
        assert results[key] == VariationResult(key, exposed, converted, rate)
    assert sum(r.conversions for r in results.values()) == len(buyers)
    converted_events = [e for e in app.events.events if isinstance(e, SubjectConverted)]
    assert sorted(e.subject_id for e in converted_events) == sorted(buyers)


def test_a_stopped_experiment_counts_no_more_conversions() -> None:
    app = shop()
    running(app)
    variation = app.handle(AssignVariation("popup", "amy"))
    app.handle(StopExperiment("popup"))
    buy(app, "amy")
    (result,) = [r for r in results_of(app, "popup") if r.variation_key == variation]
    assert (result.exposures, result.conversions) == (1, 0)


def test_results_with_no_exposures_are_zero() -> None:
    app = build_memory_app()
    define(app)
    assert results_of(app, "popup") == (
        VariationResult("control", 0, 0, D(0)),
        VariationResult("treatment", 0, 0, D(0)),
    )


def test_the_command_assigner_answers_through_the_app() -> None:
    app = build_memory_app()
    running(app)
    first = experiments.CommandAssigner(app).assign("popup", "amy")
    assert first in {"control", "treatment"}
    assert experiments.CommandAssigner(app.bus).assign("popup", "amy") == first
    assert app.handle(AssignVariation("popup", "amy")) == first


def test_a_paid_event_stored_without_its_customer_still_converts() -> None:
    """``ParentOrderPaid`` carries the customer (the subscriber reads no parent order); one
    stored before it did loads with ``None``, and the subscriber reads the parent instead."""
    app = shop()
    running(app)
    buy(app, "amy")  # paid before any exposure: no conversion yet
    (paid,) = [e for e in app.events.events if isinstance(e, orders.ParentOrderPaid)]
    assert paid.customer_id == CustomerId("amy")
    stored = documents().write(paid)
    del stored["customer_id"]
    old = documents().read_event("orders.ParentOrderPaid", stored)
    assert isinstance(old, orders.ParentOrderPaid)
    assert old.customer_id is None
    app.handle(AssignVariation("popup", "amy"))
    app.clock.advance(timedelta(minutes=1))
    with app.unit_of_work() as uow:  # delivered later, read from an old outbox row
        experiments_services.count_conversions(attrs.evolve(old, at=app.clock.now()), uow)
    assert sum(r.conversions for r in results_of(app, "popup")) == 1
