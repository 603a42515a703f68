"""merx.risk: risk control of users and transactions.

User actions (:class:`AssessUser`: registration, login, account changes, SMS codes) and
transactions (:class:`AssessTransaction`: orders, payments, refunds, withdrawals, coupon
claims) are decided ALLOW, CHALLENGE (with an :class:`~merx.payments.AuthFactor`), REVIEW
(a :class:`ReviewCase` in the manual review queue) or DENY, by black/grey/white lists
(:class:`ListKey`) and by the rules of the scenario ``risk.<action>`` of
:mod:`merx.decisions` (:func:`risk_scenario` over :class:`RiskRule`; the built-in packs
:func:`anti_money_laundering`, :func:`anti_order_brushing`, :func:`anti_wool_pulling`,
:func:`user_control`). Features come from the :class:`RiskKey` documents: velocity
ticks, lists and the identity graph (:class:`LinkIdentity`). Every decision publishes
:class:`RiskDecided`; labels (:class:`LabelRisk`) score each rule (:func:`rule_report`).
See docs/risk.md.
"""

from merx.risk.errors import (
    AssessmentConflict,
    InvalidRiskInput,
    NotListed,
    UnknownReviewCase,
    UnknownRiskAccount,
)
from merx.risk.features import FEATURES, FeaturePolicy, RiskAction, Subject
from merx.risk.model import (
    FiredRule,
    KeyKind,
    KeyListed,
    ListColor,
    Outcome,
    ReviewCase,
    ReviewClosed,
    ReviewOpened,
    ReviewOutcome,
    ReviewStatus,
    RiskAssessment,
    RiskDecided,
    RiskKey,
    RiskLabel,
    RuleScore,
    RuleScores,
)
from merx.risk.packs import (
    RiskRule,
    anti_money_laundering,
    anti_order_brushing,
    anti_wool_pulling,
    risk_scenario,
    rules_by_action,
    standard_rules,
    user_control,
)
from merx.risk.ports import ReviewQueries, RiskScenarios
from merx.risk.services import (
    AssessTransaction,
    AssessUser,
    DecideReview,
    ExpireReviews,
    LabelRisk,
    LinkIdentity,
    ListKey,
    NoteDelivery,
    ReviewPolicy,
    UnlistKey,
    linked_accounts_of,
    rule_report,
)

__all__ = [
    "FEATURES",
    "AssessTransaction",
    "AssessUser",
    "AssessmentConflict",
    "DecideReview",
    "ExpireReviews",
    "FeaturePolicy",
    "FiredRule",
    "InvalidRiskInput",
    "KeyKind",
    "KeyListed",
    "LabelRisk",
    "LinkIdentity",
    "ListColor",
    "ListKey",
    "NotListed",
    "NoteDelivery",
    "Outcome",
    "ReviewCase",
    "ReviewClosed",
    "ReviewOpened",
    "ReviewOutcome",
    "ReviewPolicy",
    "ReviewQueries",
    "ReviewStatus",
    "RiskAction",
    "RiskAssessment",
    "RiskDecided",
    "RiskKey",
    "RiskLabel",
    "RiskRule",
    "RiskScenarios",
    "RuleScore",
    "RuleScores",
    "Subject",
    "UnknownReviewCase",
    "UnknownRiskAccount",
    "UnlistKey",
    "anti_money_laundering",
    "anti_order_brushing",
    "anti_wool_pulling",
    "linked_accounts_of",
    "risk_scenario",
    "rule_report",
    "rules_by_action",
    "standard_rules",
    "user_control",
]
