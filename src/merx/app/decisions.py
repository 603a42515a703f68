"""Wiring of :mod:`merx.decisions`: its commands on a bus, and the decider the app reads."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial

import attrs

from merx import decisions
from merx.decisions import services as decisions_services
from merx.kernel.bus import MessageBus
from merx.kernel.clock import Clock
from merx.kernel.errors import MerxError
from merx.kernel.events import EventPublisher
from merx.kernel.money import Money
from merx.kernel.uow import UnitOfWork
from merx.payments.ports import AuthFactor, RiskDecision, RiskVerdict, TransactionRisk


def register_decisions(bus: MessageBus, *, catalog: decisions.TagCatalog, clock: Clock) -> None:
    """Saving rules, editing, publishing, rolling back and switching scenarios; rules are
    checked against ``catalog``."""
    bus.register(decisions.SaveRule, partial(decisions_services.save_rule, catalog=catalog))
    bus.register(decisions.SaveScenarioDraft, decisions_services.save_scenario_draft)
    bus.register(
        decisions.PublishScenario,
        partial(decisions_services.publish_scenario, catalog=catalog, clock=clock),
    )
    bus.register(
        decisions.RollBackScenario,
        partial(decisions_services.roll_back_scenario, catalog=catalog),
    )
    bus.register(decisions.SwitchScenario, decisions_services.switch_scenario)


def decider(
    new_unit_of_work: Callable[[], UnitOfWork],
    *,
    catalog: decisions.TagCatalog,
    values: decisions.TagValues,
    clock: Clock,
    assigner: decisions.Assigner,
    recording: decisions.DecisionRecording,
    publisher: EventPublisher,
) -> decisions.Decider:
    """The decider over the store's scenarios; sampled decisions go to ``publisher``."""
    return decisions.Decider(
        new_unit_of_work,
        catalog=catalog,
        values=values,
        clock=clock,
        assigner=assigner,
        recording=recording,
        publisher=publisher,
    )


# -- decisions wired into the cashier ------------------------------------------------------

#: The scenario choosing the installment terms offered at checkout, asked by ``checkout``.
INSTALLMENT_OFFER = "checkout.installment_offer"
#: The scenario choosing the transaction authentication at payment, asked by ``payments``.
PAYMENT_AUTHENTICATION = "payment.authentication"
#: ``payment.authentication`` variants that name no factor: no proof asked.
NO_AUTHENTICATION = "none"


def consult(
    decider: decisions.Decider,
    key: str,
    subject_id: str,
    context: Mapping[str, object],
    *,
    caller: str,
) -> decisions.Decision | None:
    """The decision of scenario ``key`` for ``subject_id``, or ``None`` where today's
    behaviour applies: no published scenario ``key``, the scenario switched off, the call
    refused (``caller`` not permitted, a required input missing) or the decision failed
    (reason ``ERROR``, e.g. a tag with no value). ``context`` may offer more than the
    scenario reads: only its declared inputs are passed on. The wirings below never act on
    a failed decision: a broken rule keeps today's behaviour, it never opens or blocks all.
    """
    try:
        compiled, _ = decider.compiled(key)
        facts = {name: value for name, value in context.items() if name in compiled.input_names}
        decision = decider.decide(key, subject_id, facts, caller=caller)
    except (decisions.UnknownScenario, decisions.NotPublished):
        return None
    except MerxError:  # a call the scenario does not allow: its configuration is at fault
        return None
    if decision.reason in (decisions.Reason.ERROR, decisions.Reason.DISABLED):
        return None
    return decision


def in_audience(decider: decisions.Decider, scenario: str, customer_id: str) -> str | None:
    """``None`` when ``customer_id`` is in the audience ``scenario`` decides (a
    :data:`merx.promotions.Audience`), else why not.

    In: the decision's value is ``True`` (a matching strategy's or the scenario's default).
    Out: any other value, and a failed decision (reason ``ERROR``: a broken rule or tag
    must not give a discount to everyone). No published scenario ``scenario``, or a
    caller ``checkout`` it does not permit: in, as a campaign without an audience (its
    definition's own ``new_user_only`` still holds).
    """
    try:
        decision = decider.decide(scenario, customer_id, {}, caller="checkout")
    except (decisions.UnknownScenario, decisions.NotPublished):
        return None
    except MerxError:
        return None
    if decision.reason is decisions.Reason.ERROR:
        return f"audience {scenario!r} could not be decided"
    if decision.value is not True:
        return f"not in audience {scenario!r} (variant {decision.variant!r})"
    return None


def offered_terms(decider: decisions.Decider, customer_id: str) -> frozenset[int] | None:
    """The installment terms (months) ``checkout.installment_offer`` offers
    ``customer_id``: the decision's materials, e.g. ``("3", "6")``; ``None`` (every term
    the credit grade offers, as without a scenario) when the scenario is absent, failed, or
    its output names no terms or a material that is not a whole number of months."""
    decision = consult(decider, INSTALLMENT_OFFER, customer_id, {}, caller="checkout")
    if decision is None or not decision.materials:
        return None
    if not all(material.isdecimal() for material in decision.materials):
        return None
    return frozenset(int(material) for material in decision.materials)


@attrs.define
class DecidedTransactionRisk:
    """``TransactionRisk`` with the authentication chosen by ``payment.authentication``.

    Risk control (``inner``) is asked first and its DENY stands. Otherwise a decision of
    the scenario (a matching strategy or its default) chooses: variant ``none`` allows, a
    variant naming an :class:`~merx.payments.AuthFactor` (``sms``, ``password``,
    ``face``, ``fingerprint``) asks for that proof. Without the scenario, when it fails
    or is switched off, or when its variant is no factor, risk control's answer stands.
    The decision's context offers ``amount`` (Decimal), ``currency``, ``channel`` and
    ``method``; proofs are checked by ``inner``.
    """

    inner: TransactionRisk
    decider: decisions.Decider

    def assess(
        self, *, customer_id: str, parent_id: str, amount: Money, channel: str, method: str
    ) -> RiskDecision:
        answer = self.inner.assess(
            customer_id=customer_id, parent_id=parent_id, amount=amount, channel=channel,
            method=method,
        )  # fmt: skip
        if answer.verdict is RiskVerdict.DENY:
            return answer
        context = {
            "amount": amount.amount,
            "currency": amount.currency,
            "channel": channel,
            "method": method,
        }
        decision = consult(
            self.decider, PAYMENT_AUTHENTICATION, customer_id, context, caller="payments"
        )
        if decision is None:
            return answer
        if decision.variant == NO_AUTHENTICATION:
            return RiskDecision.allow()
        factor = {factor.value: factor for factor in AuthFactor}.get(decision.variant)
        return answer if factor is None else RiskDecision.authenticate(factor)

    def verify(self, *, payment_id: str, factor: AuthFactor, proof: str) -> bool:
        return self.inner.verify(payment_id=payment_id, factor=factor, proof=proof)
