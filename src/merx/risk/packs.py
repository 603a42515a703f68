"""Risk rules as data, the built-in packs, and the scenario a set of rules becomes.

A :class:`RiskRule` is one rule of one action: its id (the strategy's name), its
condition in the decisions engine's text form over the action's features
(:data:`~merx.risk.features.FEATURES`, read as ``context.<name>``), and what it decides.
The packs are plain functions returning rules: a host installs them as they are, edits
them (``attrs.evolve``), drops some or adds its own. :func:`risk_scenario` turns the rules
of one action into the :class:`~merx.decisions.ScenarioDefinition` of ``risk.<action>``:
every rule is a strategy, all matches are kept (``all_matches``) and the most severe
outcome decides.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

import attrs

from merx.decisions import (
    Access,
    Expr,
    HitPolicy,
    InputField,
    Output,
    Permission,
    ScenarioDefinition,
    Strategy,
    parse_rule,
)
from merx.payments import AuthFactor
from merx.risk.errors import InvalidRiskInput
from merx.risk.features import FEATURES, RiskAction
from merx.risk.model import Outcome

#: The caller risk control asks its scenarios as.
RISK_CALLER = "risk"
_CHALLENGE = "challenge_"


@attrs.frozen
class RiskRule:
    """One rule: ``when`` (rule text over ``context.<feature>``) decides ``outcome`` (a
    challenge names its ``factor``)."""

    id: str
    action: RiskAction
    when: str
    outcome: Outcome
    factor: AuthFactor | None = None
    description: str = ""

    def __attrs_post_init__(self) -> None:
        if (self.outcome is Outcome.CHALLENGE) != (self.factor is not None):
            raise InvalidRiskInput(
                f"rule {self.id!r}: a challenge names a factor, nothing else does "
                f"({self.outcome}, {self.factor})"
            )

    @property
    def variant(self) -> str:
        """The strategy output's variant: the outcome, ``challenge_<factor>`` for a
        challenge."""
        if self.factor is not None:
            return f"{_CHALLENGE}{self.factor.value}"
        return self.outcome.value

    def rule(self) -> Expr:
        return parse_rule(self.when)


def read_variant(variant: str) -> tuple[Outcome, AuthFactor | None]:
    """The outcome and factor a strategy's variant names (``InvalidRiskInput`` if none)."""
    if variant.startswith(_CHALLENGE):
        try:
            return Outcome.CHALLENGE, AuthFactor(variant.removeprefix(_CHALLENGE))
        except ValueError:
            pass
    else:
        try:
            return Outcome(variant), None
        except ValueError:
            pass
    raise InvalidRiskInput(f"variant {variant!r} names no risk outcome")


def risk_scenario(action: RiskAction, rules: Iterable[RiskRule]) -> ScenarioDefinition:
    """The definition of ``risk.<action>`` deciding by ``rules`` (those of other actions
    are refused); its default is allow."""
    chosen = list(rules)
    for rule in chosen:
        if rule.action is not action:
            raise InvalidRiskInput(f"rule {rule.id!r} is for {rule.action}, not {action}")
    return ScenarioDefinition(
        inputs=[InputField(name, kind, required=False) for name, kind in FEATURES[action]],
        callers=[Permission(RISK_CALLER, {Access.EMBEDDED, Access.API})],
        strategies=[Strategy(rule.id, rule.rule(), Output(rule.variant)) for rule in chosen],
        default=Output(Outcome.ALLOW.value),
        hit_policy=HitPolicy.ALL_MATCHES,
        description=f"risk control of {action.value}",
    )


def rules_by_action(rules: Iterable[RiskRule]) -> dict[RiskAction, list[RiskRule]]:
    """``rules`` grouped by action, in their order."""
    grouped: dict[RiskAction, list[RiskRule]] = {}
    for rule in rules:
        grouped.setdefault(rule.action, []).append(rule)
    return grouped


# -- the built-in packs ----------------------------------------------------------------------


def _n(value: Decimal | int) -> str:
    return str(value)


def anti_money_laundering(
    *,
    large_amount: Decimal = Decimal("50000"),
    structured_count: int = 3,
    withdraw_share_pct: int = 80,
    withdraw_inflow_at_least: Decimal = Decimal("10000"),
    many_payers: int = 20,
) -> tuple[RiskRule, ...]:
    """Large payments, structured payments (``structured_count`` in a day just under the
    feature policy's threshold), a merchant withdrawing most of what it received in a day,
    many small payments from many payers to one merchant in an hour. All go to review."""
    pay, out = RiskAction.PAYMENT, RiskAction.WITHDRAWAL
    return (
        RiskRule(
            "aml_large_amount", pay, f"context.amount >= {_n(large_amount)}", Outcome.REVIEW,
            description="a single payment at or above the large-amount line",
        ),
        RiskRule(
            "aml_structured", pay, f"context.near_threshold_24h >= {structured_count}",
            Outcome.REVIEW, description="payments split to stay just under the threshold",
        ),
        RiskRule(
            "aml_recharge_withdraw", out,
            f"context.inflow_share_pct >= {withdraw_share_pct} "
            f"and context.inflow_24h >= {_n(withdraw_inflow_at_least)}",
            Outcome.REVIEW, description="a merchant withdraws what it just received",
        ),
        RiskRule(
            "aml_many_small_payers", pay,
            f"context.merchant_payers_1h >= {many_payers} "
            f"and context.merchant_small_payments_1h >= {many_payers}",
            Outcome.REVIEW, description="many small payments from many payers to one merchant",
        ),
    )  # fmt: skip


def anti_order_brushing(
    *, linked_buyers: int = 3, untracked_deliveries: int = 5
) -> tuple[RiskRule, ...]:
    """One merchant's orders from ``linked_buyers`` or more linked buyers in a day (review),
    a buyer linked to the merchant (self-purchase: deny), a merchant whose orders are
    delivered without tracking (review)."""
    order = RiskAction.ORDER
    return (
        RiskRule(
            "brushing_linked_buyers", order,
            f"context.merchant_linked_buyers_24h >= {linked_buyers}", Outcome.REVIEW,
            description="a ring of linked buyers orders from one merchant",
        ),
        RiskRule(
            "brushing_self_purchase", order, "context.self_purchase = true", Outcome.DENY,
            description="the buyer is, or is linked to, the merchant",
        ),
        RiskRule(
            "brushing_untracked", order,
            f"context.merchant_untracked_30d >= {untracked_deliveries}", Outcome.REVIEW,
            description="the merchant's orders are never really delivered",
        ),
    )  # fmt: skip


def anti_wool_pulling(
    *, device_claims: int = 5, refunds_after_coupon: int = 3
) -> tuple[RiskRule, ...]:
    """A coupon already claimed by a linked account (deny), ``device_claims`` claims from
    one device in a day (coupon farming: deny), repeated refunds after claiming coupons
    (review)."""
    claim, refund = RiskAction.COUPON_CLAIM, RiskAction.REFUND
    return (
        RiskRule(
            "wool_linked_claims", claim, "context.linked_claims >= 1", Outcome.DENY,
            description="a linked account already claimed this campaign's coupon",
        ),
        RiskRule(
            "wool_coupon_farming", claim, f"context.device_claims_24h >= {device_claims}",
            Outcome.DENY, description="one device claims coupons for many accounts",
        ),
        RiskRule(
            "wool_refund_after_coupon", refund,
            f"context.refunds_after_coupon_30d >= {refunds_after_coupon}", Outcome.REVIEW,
            description="orders bought with coupons are refunded again and again",
        ),
    )  # fmt: skip


def user_control(
    *, device_registrations: int = 3, sms_per_phone_1h: int = 5
) -> tuple[RiskRule, ...]:
    """Registration farms (one device, many accounts), login bursts, grey-listed logins,
    bursts of account changes, SMS-code abuse by phone, device or IP."""
    sms = AuthFactor.SMS
    return (
        RiskRule(
            "user_device_farm", RiskAction.REGISTER,
            f"context.device_registrations_24h >= {device_registrations} "
            "or context.device_accounts >= 5", Outcome.DENY,
            description="one device registers many accounts",
        ),
        RiskRule(
            "user_ip_burst", RiskAction.REGISTER, "context.ip_registrations_1h >= 20",
            Outcome.CHALLENGE, sms, "many registrations from one IP",
        ),
        RiskRule(
            "user_login_burst", RiskAction.LOGIN,
            "context.device_logins_1h >= 10 or context.ip_logins_1h >= 50",
            Outcome.CHALLENGE, sms, "credential stuffing",
        ),
        RiskRule(
            "user_grey_login", RiskAction.LOGIN, "context.listed_grey = true",
            Outcome.CHALLENGE, AuthFactor.FACE, "a grey-listed key logs in",
        ),
        RiskRule(
            "user_change_burst", RiskAction.ACCOUNT_CHANGE, "context.account_changes_24h >= 3",
            Outcome.CHALLENGE, AuthFactor.FACE, "the account's details change again and again",
        ),
        RiskRule(
            "sms_abuse", RiskAction.SMS_CODE,
            f"context.phone_sms_1h > {sms_per_phone_1h} or context.device_sms_1h > 10 "
            "or context.ip_sms_1h > 30", Outcome.DENY,
            description="too many SMS codes asked",
        ),
        RiskRule(
            "pay_grey", RiskAction.PAYMENT, "context.listed_grey = true",
            Outcome.CHALLENGE, sms, "a grey-listed payer pays",
        ),
    )  # fmt: skip


def standard_rules() -> tuple[RiskRule, ...]:
    """Every built-in pack with its defaults."""
    return (
        *user_control(),
        *anti_money_laundering(),
        *anti_order_brushing(),
        *anti_wool_pulling(),
    )
