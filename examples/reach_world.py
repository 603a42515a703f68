"""The world of the seed's 90-day reach, built once for the example
(``examples/reach_90_days.py``), the reach tests (``tests/reach/conftest.py``) and the
benchmark (``benchmarks/bench_reach.py``): the segment of users without an order for 90
days, a host's tag store that can hold its tag, and an SMS campaign over the segment.

Not a journey: a module the three import (``examples`` is on their path).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol, TypeVar

from merx import reach
from merx.adapters.memory import MemoryTagCatalog, MemoryTagValues
from merx.decisions import (
    Access,
    Output,
    Permission,
    PublishScenario,
    SaveScenarioDraft,
    ScenarioDefinition,
    Strategy,
    ValueType,
    parse_rule,
)
from merx.kernel.bus import Command
from merx.kernel.ids import PLATFORM, MerchantId
from merx.reach import Cap, ReachChannel, Trigger, TriggerKind, VarType

R = TypeVar("R")

#: The segment's scenario, and the user tag it reads (built in, or the host's).
LAPSED = "reach.lapsed"
DAYS_TAG = "days_since_last_order"


class Handles(Protocol):
    """An app (memory or stored): what the builders send commands to."""

    def handle(self, command: Command[R], *, idempotency_key: str | None = None) -> R: ...


def host_tags() -> tuple[MemoryTagCatalog, MemoryTagValues]:
    """A host's tag store that declares :data:`DAYS_TAG` (a number); the caller sets each
    user's value (``values.set(customer, {DAYS_TAG: Decimal(120)})``)."""
    catalog = MemoryTagCatalog()
    catalog.define(DAYS_TAG, ValueType.NUMBER)
    return catalog, MemoryTagValues()


def publish_lapsed_segment(
    app: Handles, scenario: str = LAPSED, *, callers: Sequence[Permission] = ()
) -> None:
    """Publish ``scenario``: a user is in it (``True``) when :data:`DAYS_TAG` >= 90. Reach
    may ask it embedded; ``callers`` may ask it too (checkout, for a campaign's audience)."""
    app.handle(
        SaveScenarioDraft(
            scenario,
            ScenarioDefinition(
                inputs=(),
                callers=(Permission("reach", {Access.EMBEDDED}), *callers),
                strategies=(
                    Strategy("lapsed", parse_rule(f"{DAYS_TAG} >= 90"), Output("in", value=True)),
                ),
                default=Output("out", value=False),
                output_type=ValueType.BOOL,
            ),
        )
    )
    app.handle(PublishScenario(scenario))


def sms_campaign(
    app: Handles,
    campaign_id: str,
    *,
    body: str,
    variables: Mapping[str, VarType],
    values: Mapping[str, str],
    trigger: Trigger | None = None,
    caps: tuple[Cap, ...] = (),
    variation_templates: Mapping[str, str] | None = None,
    owner: MerchantId = PLATFORM,
) -> None:
    """Save the template ``t-<campaign_id>`` and define and activate an SMS campaign with
    it (the platform's unless a merchant ``owner`` is given), over the :data:`LAPSED`
    segment unless another ``trigger`` is given."""
    template = f"t-{campaign_id}"
    app.handle(reach.SaveTemplate(template, ReachChannel.SMS, body, variables))
    app.handle(
        reach.DefineReachCampaign(
            campaign_id,
            ReachChannel.SMS,
            template,
            trigger or Trigger(TriggerKind.SEGMENT, scenario=LAPSED),
            owner=owner,
            values=values,
            variation_templates=variation_templates or {},
            caps=caps,
        )
    )
    app.handle(reach.ActivateReachCampaign(campaign_id))
