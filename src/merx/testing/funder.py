"""The contract of the ``Funder`` port (:mod:`merx.funding.ports`).

Run it against an adapter by subclassing :class:`FunderContract` and providing the
fixture ``make_funder``: a :class:`FunderFactory` answering a fresh adapter with the test
hooks of :class:`ScriptableFunder`::

    class TestTrustSandbox(FunderContract):
        @pytest.fixture
        def make_funder(self) -> FunderFactory:
            return lambda funder_id, quota: SandboxFunder(funder_id, quota)

The factory takes the funder's id and its quota.

Laws: a funder never finances beyond its quota; what it uses is exactly the principal of
the assets it accepted and still holds; replaying any request answers the same decision
and moves nothing, even after the asset was released.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, Protocol

import pytest
from hypothesis import given
from hypothesis import strategies as st

from merx.funding import (
    AssetAlreadyFinanced,
    AssetNotFinanced,
    Funder,
    FunderTimeout,
    FundingDecision,
    FundingStatus,
)
from merx.kernel.errors import CurrencyMismatch, IdempotencyConflict, InvalidAmount, ValidationError
from merx.kernel.money import Money


class ScriptableFunder(Funder, Protocol):
    """The port plus the test hooks the contract needs."""

    @property
    def used(self) -> Money: ...

    @property
    def available(self) -> Money: ...

    @property
    def financed(self) -> Mapping[str, Money]: ...

    def release(self, asset_id: str) -> Money: ...

    def refuse_next(self, n: int = 1, *, reason: str = ...) -> None: ...

    def timeout_next(self, n: int = 1, *, applied: bool) -> None: ...


#: What the host's ``make_funder`` fixture answers: a fresh funder of an id and a quota.
FunderFactory = Callable[[str, Money], ScriptableFunder]


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


def finance(
    funder: Funder, asset_id: str = "asset-1", principal: str = "3000", key: str | None = None
) -> FundingDecision:
    return funder.finance(
        asset_id=asset_id,
        principal=cny(principal),
        term_months=12,
        annual_rate=Decimal("0.12"),
        idempotency_key=key or f"fin-{asset_id}",
    )


# -- the law -------------------------------------------------------------------------------

ACTIONS = ("finance", "finance", "replay", "release", "refuse", "timeout_applied", "timeout_lost")


class FunderContract:
    """The contract of a ``Funder`` adapter (see the module docstring). Subclass it
    under a name pytest collects and provide the fixture ``make_funder`` (a
    :class:`FunderFactory`)."""

    @pytest.fixture
    def funder(self, make_funder: FunderFactory) -> ScriptableFunder:
        return make_funder("trust-a", cny("10000"))

    # -- happy path and quota ------------------------------------------------------------------

    def test_a_funder_accepts_within_its_quota(self, funder: ScriptableFunder) -> None:
        decision = finance(funder)

        assert funder.funder_id == "trust-a"
        assert decision.status is FundingStatus.ACCEPTED
        assert decision.reference
        assert decision.reason is None
        assert funder.used == cny("3000")
        assert funder.available == cny("7000")
        assert dict(funder.financed) == {"asset-1": cny("3000")}

    def test_a_funder_refuses_past_its_quota(self, funder: ScriptableFunder) -> None:
        finance(funder, "a1", "6000")

        refused = finance(funder, "a2", "4000.01")

        assert refused.status is FundingStatus.REFUSED
        assert refused.reason is not None
        assert "quota" in refused.reason
        assert funder.used == cny("6000")
        assert finance(funder, "a3", "4000").accepted
        assert funder.available == cny("0")

    def test_release_gives_the_quota_back(self, funder: ScriptableFunder) -> None:
        finance(funder, "a1", "10000")

        assert funder.release("a1") == cny("10000")

        assert funder.available == cny("10000")
        assert finance(funder, "a2", "10000").accepted
        with pytest.raises(AssetNotFinanced):
            funder.release("a1")

    # -- idempotent replays --------------------------------------------------------------------

    def test_a_replayed_request_answers_the_same_and_finances_once(
        self, funder: ScriptableFunder
    ) -> None:
        first = finance(funder)

        assert finance(funder) == first
        assert funder.used == cny("3000")

    def test_a_replay_after_release_finances_nothing(self, funder: ScriptableFunder) -> None:
        first = finance(funder)
        funder.release("asset-1")

        assert finance(funder) == first
        assert funder.used == cny("0")

    def test_a_refusal_is_replayed_even_when_quota_frees_up(self, funder: ScriptableFunder) -> None:
        finance(funder, "a1", "10000")
        refused = finance(funder, "a2", "1")
        funder.release("a1")

        assert finance(funder, "a2", "1") == refused
        assert finance(funder, "a2", "1", key="second-try").accepted

    @pytest.mark.parametrize(
        "change",
        [{"principal": cny("2999")}, {"term_months": 6}, {"annual_rate": Decimal("0.1")}],
    )
    def test_a_key_reused_with_another_payload_is_a_conflict(
        self, funder: ScriptableFunder, change: dict[str, Any]
    ) -> None:
        finance(funder)
        request: dict[str, Any] = {
            "asset_id": "asset-1",
            "principal": cny("3000"),
            "term_months": 12,
            "annual_rate": Decimal("0.12"),
            "idempotency_key": "fin-asset-1",
        }

        with pytest.raises(IdempotencyConflict):
            funder.finance(**(request | change))

    def test_an_asset_is_financed_once(self, funder: ScriptableFunder) -> None:
        finance(funder)

        with pytest.raises(AssetAlreadyFinanced):
            finance(funder, key="another-key")

    @pytest.mark.parametrize(
        ("change", "error"),
        [
            ({"principal": cny("0")}, InvalidAmount),
            ({"principal": Money.of("10", "USD")}, CurrencyMismatch),
            ({"term_months": 0}, ValidationError),
            ({"annual_rate": Decimal("-0.01")}, ValidationError),
            ({"annual_rate": 0.12}, ValidationError),
        ],
    )
    def test_malformed_requests_are_refused(
        self, funder: ScriptableFunder, change: dict[str, Any], error: type[Exception]
    ) -> None:
        request: dict[str, Any] = {
            "asset_id": "asset-1",
            "principal": cny("3000"),
            "term_months": 12,
            "annual_rate": Decimal("0.12"),
            "idempotency_key": "k",
        }

        with pytest.raises(error):
            funder.finance(**(request | change))
        assert funder.used == cny("0")

    # -- failure modes -------------------------------------------------------------------------

    def test_a_scripted_refusal_uses_no_quota(self, funder: ScriptableFunder) -> None:
        funder.refuse_next(reason="risk appetite reached")

        refused = finance(funder)

        assert refused.status is FundingStatus.REFUSED
        assert refused.reason == "risk appetite reached"
        assert funder.used == cny("0")
        assert finance(funder, key="retry").accepted

    def test_a_timeout_after_the_decision_is_answered_by_the_retry(
        self, funder: ScriptableFunder
    ) -> None:
        funder.timeout_next(applied=True)

        with pytest.raises(FunderTimeout):
            finance(funder)

        assert funder.used == cny("3000")
        assert finance(funder).accepted
        assert funder.used == cny("3000")

    def test_a_timeout_before_the_funder_decides_nothing(self, funder: ScriptableFunder) -> None:
        funder.timeout_next(applied=False)

        with pytest.raises(FunderTimeout):
            finance(funder)

        assert funder.used == cny("0")
        assert finance(funder).accepted
        assert funder.used == cny("3000")

    def test_a_funder_never_lends_beyond_its_quota(self, make_funder: FunderFactory) -> None:
        @given(
            actions=st.lists(
                st.tuples(st.sampled_from(ACTIONS), st.integers(0, 5), st.integers(1, 6000)),
                max_size=30,
            )
        )
        def check(actions: list[tuple[str, int, int]]) -> None:
            funder = make_funder("factor-b", cny("10000"))
            requests: dict[str, tuple[str, str]] = {}  # key -> (asset id, principal)
            decisions: dict[str, FundingDecision] = {}
            timed_out: set[str] = set()  # keys whose first answer we missed
            for i, (action, asset, principal_units) in enumerate(actions):
                asset_id = f"asset-{asset}"
                if action == "release":
                    if asset_id in funder.financed:
                        funder.release(asset_id)
                    continue
                if action == "refuse":
                    funder.refuse_next()
                elif action.startswith("timeout"):
                    funder.timeout_next(applied=action == "timeout_applied")
                if action == "replay" and requests:
                    key = sorted(requests)[asset % len(requests)]
                else:
                    key = f"k{i}"
                    requests[key] = (asset_id, str(principal_units))
                used = funder.used
                try:
                    decision = finance(funder, *requests[key], key=key)
                except FunderTimeout:
                    timed_out.add(key)
                    continue
                except AssetAlreadyFinanced:
                    continue
                finally:
                    assert funder.used <= cny("10000")
                    assert funder.used == Money.sum(funder.financed.values(), "CNY")
                if key in decisions:  # a replay: the same decision, nothing moves
                    assert decision == decisions[key]
                    assert funder.used == used
                elif decision.accepted and key not in timed_out:
                    assert funder.financed[requests[key][0]] == cny(requests[key][1])
                decisions[key] = decision

        check()
