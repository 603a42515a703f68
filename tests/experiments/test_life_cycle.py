"""The experiment life cycle against a reference model (hypothesis.stateful), and the
docs' diagram kept in step with the transition table."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from merx.app import build_memory_app
from merx.errors import IllegalTransition
from merx.experiments import (
    AssignVariation,
    DefineExperiment,
    Experiment,
    ExperimentStatus,
    InvalidWeights,
    ReweighExperiment,
    StartExperiment,
    StopExperiment,
    Variation,
)
from merx.experiments.model import EXPERIMENT_FLOW
from tests.experiments.results import exposure_counts

DOC = Path(__file__).resolve().parents[2] / "docs" / "experiments.md"
D = Decimal


def test_the_docs_show_the_transition_table() -> None:
    assert f"```mermaid\n{EXPERIMENT_FLOW.to_mermaid()}\n```" in DOC.read_text(encoding="utf-8")


class ExperimentMachine(RuleBasedStateMachine):
    """Commands in any order; the reference: a status, and each subject's first
    variation."""

    def __init__(self) -> None:
        super().__init__()
        self.app = build_memory_app()
        self.app.handle(
            DefineExperiment("exp", (Variation("a", D("0.5")), Variation("b", D("0.5"))))
        )
        self.status = ExperimentStatus.DRAFT
        self.sticky: dict[str, str] = {}

    @rule()
    def start(self) -> None:
        if self.status is ExperimentStatus.DRAFT:
            self.app.handle(StartExperiment("exp"))
            self.status = ExperimentStatus.RUNNING
        else:
            with pytest.raises(IllegalTransition):
                self.app.handle(StartExperiment("exp"))

    @rule()
    def stop(self) -> None:
        if self.status is not ExperimentStatus.STOPPED:
            self.app.handle(StopExperiment("exp"))
            self.status = ExperimentStatus.STOPPED
        else:
            with pytest.raises(IllegalTransition):
                self.app.handle(StopExperiment("exp"))

    @rule(first=st.integers(0, 100), coverage=st.integers(0, 100), broken=st.booleans())
    def reweigh(self, first: int, coverage: int, broken: bool) -> None:
        weights = (D(first) / 100, D(100 - first) / 100 + (D("0.5") if broken else 0))
        command = ReweighExperiment("exp", weights, D(coverage) / 100)
        if self.status is ExperimentStatus.STOPPED:
            with pytest.raises(IllegalTransition):
                self.app.handle(command)
        elif broken:
            with pytest.raises(InvalidWeights):
                self.app.handle(command)
        else:
            self.app.handle(command)

    @rule(number=st.integers(0, 30))
    def assign(self, number: int) -> None:
        subject = f"s{number}"
        got = self.app.handle(AssignVariation("exp", subject))
        if self.status is not ExperimentStatus.RUNNING:
            assert got is None
        elif subject in self.sticky:
            assert got == self.sticky[subject]
        elif got is not None:
            self.sticky[subject] = got

    @invariant()
    def agrees(self) -> None:
        stored = self.app.get(Experiment, "exp")
        assert stored.status is self.status
        assert sum(exposure_counts(self.app, "exp").values()) == len(self.sticky)


TestExperimentMachine = ExperimentMachine.TestCase
