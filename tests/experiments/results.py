"""Reading an experiment's results in tests: counted from the subjects' assignments."""

from __future__ import annotations

from merx.app import App
from merx.experiments import VariationResult, experiment_results


def results_of(app: App, key: str) -> tuple[VariationResult, ...]:
    with app.unit_of_work() as uow:
        return experiment_results(uow, key)


def exposure_counts(app: App, key: str) -> dict[str, int]:
    """The exposures per variation, the variations with none left out."""
    return {r.variation_key: r.exposures for r in results_of(app, key) if r.exposures}
