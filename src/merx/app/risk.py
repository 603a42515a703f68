"""Wiring of :mod:`merx.risk`: its commands, the cashier's risk control answered by the
``risk.payment`` scenario, and orders decided by ``risk.order`` as they are placed.

With ``Settings.risk_control`` off (the default) only the commands are registered: a host
calls :class:`~merx.risk.AssessUser` and :class:`~merx.risk.AssessTransaction` itself.
On, the app also

- answers the cashier's :class:`~merx.payments.TransactionRisk` through
  :class:`RiskControlledPayments` (``risk.payment``; a payment of an order held by an
  open or rejected review is refused);
- screens each withdrawal before its money is reserved (``risk.withdrawal``, through
  settlement's :class:`~merx.settlement.WithdrawalScreen`, :class:`RiskScreenedWithdrawals`):
  a DENY (or a CHALLENGE: a withdrawal has no proof to ask) refuses it
  (:class:`~merx.settlement.WithdrawalDenied`, nothing reserved); a REVIEW holds it
  (reserved, not sent) until its case closes: approved, it is sent; rejected (by a reviewer
  or its timeout, :class:`~merx.risk.ExpireReviews`), it fails and the money is back on the
  available balance;
- screens each coupon claimed with :class:`~merx.promotions.ClaimCoupon` before it is
  committed (``risk.coupon_claim``, through promotions' :class:`~merx.promotions.ClaimScreen`,
  :class:`RiskScreenedClaims`): a DENY, a CHALLENGE or a REVIEW refuses it
  (:class:`~merx.promotions.ClaimDenied`, nothing claimed). A claim cannot wait for a
  person: a held claim would keep a coupon of a limited stock out of everyone's reach for
  hours, for a customer who has left. A REVIEW's case is still opened (a reviewer's
  approval claims nothing: the customer claims again);
- decides after the fact each coupon claimed another way (a voucher code, a play reward:
  the decision of a screened claim is replayed, not counted twice): counted, remembered,
  a review case opened for a REVIEW; the host acts on a DENY (``RiskDecided``);
- screens each refund before money moves (``risk.refund``, through after-sales'
  :class:`~merx.aftersales.RefundScreen`, :class:`RiskScreenedRefunds`; decision id
  ``refund:<case id>`` or ``refund:<granted refund id>``, the order's payable the amount
  of a case): a DENY (or a CHALLENGE) refuses the case as it is requested, or the
  :class:`~merx.aftersales.GrantRefund` (:class:`~merx.aftersales.RefundDenied`, nothing
  changed); a REVIEW opens the case held: it cannot be approved
  (:class:`~merx.aftersales.RefundHeld`) until its review closes: approved (by a
  reviewer or the timeout: refunds time out to approve), the seller approves it as usual;
  rejected, the case is rejected by the platform and the units may be claimed again. A
  granted refund under review is refused (held) and goes on when asked again after an
  approval;
- links each customer registered, and each address added, to the digest of its phone
  (the identity graph: accounts sharing a phone are linked);
- decides each placed order (``risk.order``, a subscriber of ``OrderPlaced``): a DENY
  cancels its parent order at once; a REVIEW holds it (its payment is refused) until the
  case closes: approved, it goes on; rejected (by a reviewer or its timeout), the parent
  order is cancelled if it is still unpaid.

Without a published ``risk.<action>`` scenario, nothing is decided for that action: the
cashier's own risk control answers, and orders are placed as before.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any, Protocol, TypeVar

import attrs

from merx import aftersales, customers, decisions, orders, promotions, risk, settlement
from merx.kernel.bus import Command, MessageBus
from merx.kernel.clock import Clock
from merx.kernel.errors import MerxError
from merx.kernel.ids import AfterSaleId, OrderId
from merx.kernel.money import Money
from merx.kernel.uow import UnitOfWork
from merx.kernel.vault import PersonalKind, Sealed, Vault
from merx.payments.ports import AuthFactor, RiskDecision, RiskVerdict, TransactionRisk
from merx.risk import services as risk_services

R = TypeVar("R")


def is_live(scenarios: risk.RiskScenarios, action: risk.RiskAction) -> bool:
    """Whether ``risk.<action>`` has a live version switched on."""
    try:
        _, enabled = scenarios.compiled(action.scenario)
    except (decisions.UnknownScenario, decisions.NotPublished):
        return False
    return enabled


def order_decision_id(order_id: str) -> str:
    """The decision (and review case) id of an order's risk decision."""
    return f"order:{order_id}"


def _held(case: risk.ReviewCase | None) -> str | None:
    if case is None:
        return None
    if case.status is risk.ReviewStatus.OPEN:
        return f"order held by risk review {case.id!r}"
    if case.status is risk.ReviewStatus.REJECTED or (
        case.status is risk.ReviewStatus.EXPIRED and case.on_timeout is risk.ReviewOutcome.REJECT
    ):
        return f"order rejected by risk review {case.id!r}"
    return None


class Handles(Protocol):
    """What runs commands: an app or its bus."""

    def handle(self, command: Command[R], *, idempotency_key: str | None = None) -> R: ...


def install_risk_rules(
    commands: Handles, rules: Iterable[risk.RiskRule]
) -> dict[risk.RiskAction, int]:
    """Save and publish ``risk.<action>`` for each action ``rules`` hold (the scenario is
    replaced by these rules: a host edits the list and installs it again); the version
    each scenario got."""
    published: dict[risk.RiskAction, int] = {}
    for action, chosen in risk.rules_by_action(rules).items():
        key = action.scenario
        commands.handle(decisions.SaveScenarioDraft(key, risk.risk_scenario(action, chosen)))
        published[action] = commands.handle(decisions.PublishScenario(key))
    return published


@attrs.define
class RiskControlledPayments:
    """``TransactionRisk`` answered by ``risk.payment`` over the cashier's own (``inner``).

    ``inner``'s DENY stands. A payment of a parent order one of whose orders is held by an
    open review, or was rejected by one, is denied. Otherwise, with ``risk.payment`` live,
    :class:`~merx.risk.AssessTransaction` decides (decision id ``payment:<parent id>``,
    the seller the counterparty when the parent order has one, its own commit): DENY
    denies, CHALLENGE asks its factor, REVIEW asks the strongest proof (a face scan: a
    payment cannot wait for a person), ALLOW leaves ``inner``'s answer. Proofs are checked
    by ``inner``."""

    inner: TransactionRisk
    scenarios: risk.RiskScenarios
    new_unit_of_work: Callable[[], UnitOfWork]
    commands: Handles

    def assess(
        self, *, customer_id: str, parent_id: str, amount: Money, channel: str, method: str
    ) -> RiskDecision:
        answer = self.inner.assess(
            customer_id=customer_id, parent_id=parent_id, amount=amount, channel=channel,
            method=method,
        )  # fmt: skip
        if answer.verdict is RiskVerdict.DENY:
            return answer
        order_live = is_live(self.scenarios, risk.RiskAction.ORDER)
        payment_live = is_live(self.scenarios, risk.RiskAction.PAYMENT)
        if not (order_live or payment_live):
            return answer
        held, seller = self._read(parent_id)
        if held is not None and order_live:
            return RiskDecision.deny(held)
        if not payment_live:
            return answer
        assessment: risk.RiskAssessment = self.commands.handle(
            risk.AssessTransaction(
                f"payment:{parent_id}",
                risk.RiskAction.PAYMENT,
                customer_id,
                amount,
                counterparty=seller,
                reference=parent_id,
            )
        )
        rules = ", ".join(assessment.rules)
        if assessment.outcome is risk.Outcome.DENY:
            return RiskDecision.deny(f"risk control: {rules}")
        if assessment.outcome is risk.Outcome.CHALLENGE:
            assert assessment.factor is not None
            return RiskDecision.authenticate(assessment.factor, f"risk control: {rules}")
        if assessment.outcome is risk.Outcome.REVIEW:
            return RiskDecision.authenticate(AuthFactor.FACE, f"risk review: {rules}")
        return answer

    def _read(self, parent_id: str) -> tuple[str | None, str | None]:
        """Why the parent order is held by a review (``None``: it is not), and its seller
        when it has one (the payment's counterparty)."""
        with self.new_unit_of_work() as uow:
            parent = uow.repo(orders.ParentOrder).peek(parent_id)
            if parent is None:
                return None, None
            cases, placed = uow.repo(risk.ReviewCase), uow.repo(orders.Order)
            held = None
            sellers = set()
            for order_id in parent.order_ids:
                held = held or _held(cases.peek(order_decision_id(order_id)))
                order = placed.peek(order_id)
                if order is not None:
                    sellers.add(order.seller)
        return held, sellers.pop() if len(sellers) == 1 else None

    def verify(self, *, payment_id: str, factor: AuthFactor, proof: str) -> bool:
        return self.inner.verify(payment_id=payment_id, factor=factor, proof=proof)


def assess_placed_order(
    event: orders.OrderPlaced,
    uow: UnitOfWork,
    *,
    commands: Handles,
    clock: Clock,
    scenarios: risk.RiskScenarios,
    policy: risk.FeaturePolicy,
    reviews: risk.ReviewPolicy,
) -> None:
    """Decide a placed order by ``risk.order`` (when live); a DENY cancels its parent."""
    if not is_live(scenarios, risk.RiskAction.ORDER):
        return
    order = uow.repo(orders.Order).peek(event.order_id)
    if order is None:
        return
    subject = risk.Subject(
        risk.RiskAction.ORDER, event.customer_id, counterparty=order.seller,
        amount=event.payable, reference=order.parent_id,
    )  # fmt: skip
    assessment = risk_services.assess(
        subject, order_decision_id(event.order_id), uow, clock=clock, scenarios=scenarios,
        policy=policy, reviews=reviews,
    )  # fmt: skip
    if assessment.outcome is risk.Outcome.DENY:
        _cancel(commands, order.parent_id, f"risk control: {', '.join(assessment.rules)}")


def _decide_after(
    subject: risk.Subject,
    decision_id: str,
    uow: UnitOfWork,
    *,
    clock: Clock,
    scenarios: risk.RiskScenarios,
    policy: risk.FeaturePolicy,
    reviews: risk.ReviewPolicy,
) -> None:
    if is_live(scenarios, subject.action):
        risk_services.assess(
            subject, decision_id, uow, clock=clock, scenarios=scenarios, policy=policy,
            reviews=reviews,
        )  # fmt: skip


def assess_coupon_claim(event: promotions.CouponClaimed, uow: UnitOfWork, **deciding: Any) -> None:
    """Decide a claimed coupon by ``risk.coupon_claim`` (when live), after the fact: a
    claim screened before (:class:`RiskScreenedClaims`) replays its decision."""
    subject = risk.Subject(
        risk.RiskAction.COUPON_CLAIM, event.customer_id, campaign=event.campaign_id,
        reference=event.coupon_id,
    )  # fmt: skip
    _decide_after(subject, claim_decision_id(event.coupon_id), uow, **deciding)


def refund_decision_id(refund_key: str) -> str:
    """The decision (and review case) id of a refund's risk decision."""
    return f"refund:{refund_key}"


def _reviewed(case: risk.ReviewCase | None) -> risk.ReviewOutcome | None:
    """What a closed review case decided (``None``: missing or still open)."""
    if case is None or case.status is risk.ReviewStatus.OPEN:
        return None
    if case.status is risk.ReviewStatus.EXPIRED:
        return case.on_timeout
    if case.status is risk.ReviewStatus.APPROVED:
        return risk.ReviewOutcome.APPROVE
    return risk.ReviewOutcome.REJECT


@attrs.define
class RiskScreenedRefunds:
    """After-sales' ``RefundScreen`` answered by ``risk.refund`` (when live):
    :class:`~merx.risk.AssessTransaction` decides once per refund key (its own commit;
    asked again, the decision is replayed): DENY and CHALLENGE deny, ALLOW goes on, REVIEW
    holds while the review case is open and then follows its outcome."""

    scenarios: risk.RiskScenarios
    new_unit_of_work: Callable[[], UnitOfWork]
    commands: Handles

    def screen(
        self, *, refund_key: str, customer_id: str, seller: str, amount: Money
    ) -> aftersales.RefundScreening:
        go = aftersales.RefundScreening(aftersales.RefundVerdict.GO)
        if not is_live(self.scenarios, risk.RiskAction.REFUND):
            return go
        decision_id = refund_decision_id(refund_key)
        assessment: risk.RiskAssessment = self.commands.handle(
            risk.AssessTransaction(
                decision_id, risk.RiskAction.REFUND, customer_id, amount, counterparty=seller,
                reference=refund_key,
            )
        )  # fmt: skip
        rules = ", ".join(assessment.rules)
        deny = aftersales.RefundVerdict.DENY
        if assessment.outcome in (risk.Outcome.DENY, risk.Outcome.CHALLENGE):
            return aftersales.RefundScreening(deny, f"risk control: {rules}")
        if assessment.outcome is not risk.Outcome.REVIEW:
            return go
        with self.new_unit_of_work() as uow:
            outcome = _reviewed(uow.repo(risk.ReviewCase).peek(decision_id))
        if outcome is None:
            return aftersales.RefundScreening(
                aftersales.RefundVerdict.HOLD, f"risk review {decision_id!r} open: {rules}"
            )
        if outcome is risk.ReviewOutcome.REJECT:
            return aftersales.RefundScreening(deny, f"rejected by risk review {decision_id!r}")
        return go


def refund_screen(
    commands: Handles,
    scenarios: risk.RiskScenarios,
    new_unit_of_work: Callable[[], UnitOfWork],
    *,
    on: bool,
) -> aftersales.RefundScreen | None:
    """What screens refunds: :class:`RiskScreenedRefunds` when risk control is ``on``,
    otherwise none (nothing is read)."""
    return RiskScreenedRefunds(scenarios, new_unit_of_work, commands) if on else None


def close_reviewed_refund(event: risk.ReviewClosed, uow: UnitOfWork, *, commands: Handles) -> None:
    """A rejected refund review rejects its after-sale case (a granted refund's reference
    names no case: its grant stays refused)."""
    if event.action != risk.RiskAction.REFUND.value:
        return
    if event.outcome is risk.ReviewOutcome.REJECT:
        reason = f"rejected by risk review {event.case_id!r}"
        with contextlib.suppress(MerxError):  # no such case, or decided meanwhile
            commands.handle(aftersales.RejectAfterSale(AfterSaleId(event.reference), reason))


def claim_decision_id(coupon_id: str) -> str:
    """The decision id of a coupon claim's risk decision."""
    return f"claim:{coupon_id}"


@attrs.define
class RiskScreenedClaims:
    """Promotions' ``ClaimScreen`` answered by ``risk.coupon_claim`` (when live):
    :class:`~merx.risk.AssessTransaction` decides (its own commit, decision id
    ``claim:<coupon id>``, the subject the after-the-fact decision would have, so it is
    replayed and never counted twice); only ALLOW lets the claim go on."""

    scenarios: risk.RiskScenarios
    commands: Handles

    def screen(self, *, coupon_id: str, customer_id: str, campaign_id: str) -> str | None:
        if not is_live(self.scenarios, risk.RiskAction.COUPON_CLAIM):
            return None
        assessment: risk.RiskAssessment = self.commands.handle(
            risk.AssessTransaction(
                claim_decision_id(coupon_id), risk.RiskAction.COUPON_CLAIM, customer_id,
                campaign=campaign_id, reference=coupon_id,
            )
        )  # fmt: skip
        if assessment.outcome is risk.Outcome.ALLOW:
            return None
        return f"risk control ({assessment.outcome}): {', '.join(assessment.rules)}"


def claim_screen(
    commands: Handles, scenarios: risk.RiskScenarios, *, on: bool
) -> promotions.ClaimScreen | None:
    """What screens coupon claims: :class:`RiskScreenedClaims` when risk control is ``on``,
    otherwise none (nothing is read)."""
    return RiskScreenedClaims(scenarios, commands) if on else None


def withdrawal_decision_id(withdrawal_id: str) -> str:
    """The decision (and review case) id of a withdrawal's risk decision."""
    return f"withdrawal:{withdrawal_id}"


@attrs.define
class RiskScreenedWithdrawals:
    """Settlement's ``WithdrawalScreen`` answered by ``risk.withdrawal`` (when live):
    :class:`~merx.risk.AssessTransaction` decides (its own commit, decision id
    ``withdrawal:<id>``, so a retried request reads the same decision): DENY and CHALLENGE
    deny, REVIEW holds, ALLOW goes on. Not live: every withdrawal goes on."""

    scenarios: risk.RiskScenarios
    commands: Handles

    def screen(
        self, *, withdrawal_id: str, merchant_id: str, amount: Money
    ) -> settlement.WithdrawalScreening:
        if not is_live(self.scenarios, risk.RiskAction.WITHDRAWAL):
            return settlement.WithdrawalScreening(settlement.WithdrawalVerdict.GO)
        assessment: risk.RiskAssessment = self.commands.handle(
            risk.AssessTransaction(
                withdrawal_decision_id(withdrawal_id), risk.RiskAction.WITHDRAWAL, merchant_id,
                amount, reference=withdrawal_id,
            )
        )  # fmt: skip
        rules = ", ".join(assessment.rules)
        if assessment.outcome in (risk.Outcome.DENY, risk.Outcome.CHALLENGE):
            return settlement.WithdrawalScreening(
                settlement.WithdrawalVerdict.DENY, f"risk control: {rules}"
            )
        if assessment.outcome is risk.Outcome.REVIEW:
            return settlement.WithdrawalScreening(
                settlement.WithdrawalVerdict.HOLD,
                f"held by risk review {withdrawal_decision_id(withdrawal_id)!r}: {rules}",
            )
        return settlement.WithdrawalScreening(settlement.WithdrawalVerdict.GO)


def withdrawal_screen(
    commands: Handles, scenarios: risk.RiskScenarios, *, on: bool
) -> settlement.WithdrawalScreen:
    """What screens withdrawals: :class:`RiskScreenedWithdrawals` when risk control is
    ``on``, otherwise none (nothing is read)."""
    return RiskScreenedWithdrawals(scenarios, commands) if on else settlement.NO_SCREEN


def close_reviewed_withdrawal(
    event: risk.ReviewClosed, uow: UnitOfWork, *, commands: Handles
) -> None:
    """A closed withdrawal review ends the hold: approved, the withdrawal is sent; rejected
    (or timed out to reject), it fails and the money is back on the balance."""
    if event.action != risk.RiskAction.WITHDRAWAL.value:
        return
    approved = event.outcome is risk.ReviewOutcome.APPROVE
    commands.handle(
        settlement.ReleaseWithdrawal(
            settlement.WithdrawalId(event.reference), approved,
            f"rejected by risk review {event.case_id!r}",
        )
    )  # fmt: skip


def _cancel(commands: Handles, parent_id: str, reason: str) -> None:
    with contextlib.suppress(MerxError):  # paid or cancelled meanwhile: left as it is
        commands.handle(orders.CancelOrder(OrderId(parent_id), reason))


def close_reviewed_order(event: risk.ReviewClosed, uow: UnitOfWork, *, commands: Handles) -> None:
    """A rejected (or timed-out-to-reject) order review cancels the unpaid parent order."""
    if event.action != risk.RiskAction.ORDER.value:
        return
    if event.outcome is risk.ReviewOutcome.REJECT:
        _cancel(commands, event.reference, f"rejected by risk review {event.case_id!r}")


def link_phone(uow: UnitOfWork, account: str, phone: Sealed, *, vault: Vault, clock: Clock) -> None:
    """Link ``account`` to the vault's digest of ``phone`` (revealed only to digest it)."""
    digest = vault.digest(PersonalKind.PHONE, vault.reveal(phone.token))
    risk_services.link_identity(
        risk.LinkIdentity(account, risk.KeyKind.PHONE, digest), uow, clock=clock
    )


def link_registered_phone(
    event: customers.CustomerRegistered, uow: UnitOfWork, *, vault: Vault, clock: Clock
) -> None:
    """A customer registered: linked to the digest of their contact phone."""
    customer = uow.repo(customers.Customer).peek(event.customer_id)
    if customer is not None:
        link_phone(uow, customer.id, customer.phone, vault=vault, clock=clock)


def link_address_phone(
    event: customers.AddressAdded, uow: UnitOfWork, *, vault: Vault, clock: Clock
) -> None:
    """An address added: the customer linked to the digest of its recipient's phone
    (accounts shipping to one phone are linked)."""
    customer = uow.repo(customers.Customer).peek(event.customer_id)
    address = customer.addresses.get(event.label) if customer is not None else None
    if customer is not None and address is not None and isinstance(address.phone, Sealed):
        link_phone(uow, customer.id, address.phone, vault=vault, clock=clock)


def register_risk(
    bus: MessageBus,
    *,
    clock: Clock,
    scenarios: risk.RiskScenarios,
    queries: risk.ReviewQueries,
    features: risk.FeaturePolicy,
    reviews: risk.ReviewPolicy,
    on: bool,
    cashier: TransactionRisk,
    new_unit_of_work: Callable[[], UnitOfWork],
    vault: Vault,
) -> TransactionRisk:
    """Risk control's commands; when ``on``, placed orders decided and closed reviews
    driving them on (see the module docstring). Returns what answers the cashier:
    ``cashier`` itself, or when ``on`` :class:`RiskControlledPayments` over it."""
    bus.register(
        risk.AssessUser,
        partial(
            risk_services.assess_user, clock=clock, scenarios=scenarios, policy=features,
            reviews=reviews,
        ),
    )  # fmt: skip
    bus.register(
        risk.AssessTransaction,
        partial(
            risk_services.assess_transaction, clock=clock, scenarios=scenarios, policy=features,
            reviews=reviews,
        ),
    )  # fmt: skip
    for command, handler in (
        (risk.ListKey, risk_services.list_key),
        (risk.UnlistKey, risk_services.unlist_key),
        (risk.LinkIdentity, risk_services.link_identity),
        (risk.NoteDelivery, risk_services.note_delivery),
        (risk.DecideReview, risk_services.decide_review),
        (risk.LabelRisk, risk_services.label_risk),
    ):
        bus.register(command, partial(handler, clock=clock))
    bus.register(
        risk.ExpireReviews, partial(risk_services.expire_reviews, clock=clock, queries=queries)
    )
    if not on:
        return cashier
    commands: Handles = bus
    bus.subscribe(
        orders.OrderPlaced,
        partial(
            assess_placed_order, commands=commands, clock=clock, scenarios=scenarios,
            policy=features, reviews=reviews,
        ),
    )  # fmt: skip
    bus.subscribe(risk.ReviewClosed, partial(close_reviewed_order, commands=commands))
    bus.subscribe(risk.ReviewClosed, partial(close_reviewed_withdrawal, commands=commands))
    bus.subscribe(risk.ReviewClosed, partial(close_reviewed_refund, commands=commands))
    bus.subscribe(
        customers.CustomerRegistered, partial(link_registered_phone, vault=vault, clock=clock)
    )
    bus.subscribe(customers.AddressAdded, partial(link_address_phone, vault=vault, clock=clock))
    for event, subscriber in ((promotions.CouponClaimed, assess_coupon_claim),):
        bus.subscribe(
            event,
            partial(subscriber, clock=clock, scenarios=scenarios, policy=features, reviews=reviews),
        )
    return RiskControlledPayments(cashier, scenarios, new_unit_of_work, commands)
