"""OS processes over one database (SQLite file, PostgreSQL) expose the same subjects to
one experiment at once, each through its app's default assigner (what a decision asks):
every exposure is recorded with the decision, none is lost to a conflict, each subject
counts once and every process saw the variation that was kept."""

from __future__ import annotations

import multiprocessing
import random
from decimal import Decimal
from pathlib import Path

import pytest

from merx.app import StoredApp
from merx.experiments import (
    DefineExperiment,
    Experiment,
    StartExperiment,
    StoredAssigner,
    Variation,
    experiment_results,
)
from merx.experiments.model import SubjectAssignments
from tests.stores.test_races import PROCESSES, shop

SUBJECTS = [f"s{n}" for n in range(40)]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "shop.db")
    schema: str = request.getfixturevalue("postgres_schema")()
    return schema


def expose_all(path: str, worker: int) -> dict[str, str | None]:
    """Every subject, in an order of this worker's own, through the app's assigner."""
    app = shop(path)
    try:
        assigner = app.decider.assigner
        assert isinstance(assigner, StoredAssigner)
        order = list(SUBJECTS)
        random.Random(worker).shuffle(order)
        seen = {subject: assigner.assign("popup", subject) for subject in order}
        assert not assigner.pending  # recorded with the decision, none deferred
        return seen
    finally:
        app.close()


def test_processes_exposing_the_same_subjects_lose_none_and_count_each_once(
    target: str,
) -> None:
    app: StoredApp = shop(target)
    half = Decimal("0.5")
    app.handle(DefineExperiment("popup", (Variation("a", half), Variation("b", half))))
    app.handle(StartExperiment("popup"))
    context = multiprocessing.get_context("spawn")
    with context.Pool(PROCESSES) as pool:
        answers = pool.starmap(expose_all, [(target, n) for n in range(PROCESSES)])
    experiment = app.get(Experiment, "popup")
    kept = {s: app.get(SubjectAssignments, s).assignments["popup"].variation_key for s in SUBJECTS}
    for seen in answers:
        assert seen == kept  # every process answered the variation that was kept
    assert kept == {s: experiment.variation_for(s) for s in SUBJECTS}
    with app.unit_of_work() as uow:
        results = experiment_results(uow, "popup")
    assert sum(r.exposures for r in results) == len(SUBJECTS)
    assert {r.variation_key: r.exposures for r in results} == {
        key: sum(1 for v in kept.values() if v == key) for key in ("a", "b")
    }
    app.close()
