"""Credit use cases: apply, grade, limits, held credit, and the queries checkout asks.

Each handler is ``handler(cmd, uow, *, clock=..., ...)``: it loads the customer's
:class:`CreditAccount`, calls the model, saves and commits. Business dates are the date of
the clock's instant in its own zone. Installment purchases, repayment and bills are
:mod:`merx.installments`, which draws on and restores the account through its methods.
"""

from __future__ import annotations

from datetime import date

import attrs

from merx.credit.limits import (
    Consent,
    CreditAccount,
    CreditApplication,
    Identity,
    InstallmentOption,
    LimitPosition,
    SealedIdentity,
)
from merx.credit.ports import CreditScorer, ScoringFacts
from merx.kernel.bus import Command
from merx.kernel.clock import Clock, today
from merx.kernel.errors import ValidationError
from merx.kernel.ids import CustomerId, IdSource
from merx.kernel.money import Money
from merx.kernel.uow import UnitOfWork
from merx.kernel.vault import PersonalKind, Sealed, Vault, mask_name, mask_number
from merx.schedules import FeePayer

# -- commands: applications and limits -------------------------------------------------


@attrs.frozen
class ApplicationDecision:
    application_id: str
    approved: bool
    grade: str
    limit: Money
    reasons: tuple[str, ...] = ()


@attrs.frozen
class ApplyForCredit(Command[ApplicationDecision]):
    """A customer asks for a credit limit, with their identity and consent."""

    customer_id: CustomerId
    identity: Identity
    consent: Consent
    facts: ScoringFacts
    statement_day: int = 1


@attrs.frozen
class ReassessCredit(Command[Money]):
    """Grade the customer again; the limit rises if the new grade earns more (never falls
    here: a decrease is a risk decision, :class:`ChangeCreditLimit`)."""

    customer_id: CustomerId
    facts: ScoringFacts


@attrs.frozen
class ChangeCreditLimit(Command[None]):
    customer_id: CustomerId
    limit: Money
    reason: str


@attrs.frozen
class GrantTemporaryLimit(Command[None]):
    customer_id: CustomerId
    amount: Money
    expires_on: date
    reason: str


@attrs.frozen
class GrantSpecialLimit(Command[None]):
    """A limit usable only in ``scope`` (a campaign, a merchant) until ``expires_on``."""

    customer_id: CustomerId
    scope: str
    amount: Money
    expires_on: date
    reason: str


@attrs.frozen
class FreezeCreditAccount(Command[None]):
    """A risk event: no purchase may draw on the limit until it is unfrozen."""

    customer_id: CustomerId
    reason: str


@attrs.frozen
class UnfreezeCreditAccount(Command[None]):
    customer_id: CustomerId


# -- commands: held credit ---------------------------------------------------------------


@attrs.frozen
class RefundHeldCredit(Command[Money]):
    """Return the overpayment held on the account to the customer (returns the amount)."""

    customer_id: CustomerId


# -- handlers: applications and limits ---------------------------------------------------


def seal_identity(vault: Vault, identity: Identity) -> SealedIdentity:
    """The declared identity kept at ``vault``: its tokens and masks."""

    def seal(kind: PersonalKind, value: str, masked: str) -> Sealed:
        return Sealed(vault.tokenize(kind, value), masked)

    name, number, phone = (v.strip() for v in attrs.astuple(identity))
    return SealedIdentity(
        seal(PersonalKind.NAME, name, mask_name(name)),
        seal(PersonalKind.ID_CARD, number, mask_number(number)),
        seal(PersonalKind.PHONE, phone, mask_number(phone)),
    )


def apply_for_credit(
    cmd: ApplyForCredit,
    uow: UnitOfWork,
    *,
    clock: Clock,
    ids: IdSource,
    scorer: CreditScorer,
    vault: Vault,
) -> ApplicationDecision:
    """Submit, score and decide the application; the declared identity is sealed at
    ``vault`` first (a refused application forgets it again)."""
    if not isinstance(cmd.identity, Identity):
        raise ValidationError(f"customer {cmd.customer_id!r}: the identity is not an Identity")
    identity = seal_identity(vault, cmd.identity)
    try:
        application = CreditApplication.submit(
            ids.next_id("capp"), cmd.customer_id, identity, cmd.consent, cmd.facts
        )
        if uow.repo(CreditAccount).find(cmd.customer_id) is not None:
            raise ValidationError(
                f"customer {cmd.customer_id!r} already has a credit account; reassess it instead"
            )
        assessment = scorer.assess(cmd.facts)
        account = application.decide(assessment, cmd.statement_day)
        if account is not None:
            uow.repo(CreditAccount).add(account)
        uow.repo(CreditApplication).add(application)
        uow.commit()
    except BaseException:
        for sealed in (identity.legal_name, identity.id_number, identity.phone):
            vault.forget(sealed.token)
        raise
    return ApplicationDecision(
        application.id,
        assessment.approved,
        assessment.grade,
        assessment.limit,
        assessment.reasons,
    )


def reassess_credit(cmd: ReassessCredit, uow: UnitOfWork, *, scorer: CreditScorer) -> Money:
    account = uow.repo(CreditAccount).get(cmd.customer_id)
    if account.reassess(scorer.assess(cmd.facts)):
        uow.repo(CreditAccount).save(account)
        uow.commit()
    return account.base_limit


def change_credit_limit(cmd: ChangeCreditLimit, uow: UnitOfWork) -> None:
    account = uow.repo(CreditAccount).get(cmd.customer_id)
    account.change_limit(cmd.limit, cmd.reason)
    uow.repo(CreditAccount).save(account)
    uow.commit()


def grant_temporary_limit(cmd: GrantTemporaryLimit, uow: UnitOfWork, *, clock: Clock) -> None:
    account = uow.repo(CreditAccount).get(cmd.customer_id)
    account.grant_temporary(cmd.amount, cmd.expires_on, cmd.reason, today(clock))
    uow.repo(CreditAccount).save(account)
    uow.commit()


def grant_special_limit(cmd: GrantSpecialLimit, uow: UnitOfWork, *, clock: Clock) -> None:
    account = uow.repo(CreditAccount).get(cmd.customer_id)
    account.grant_special(cmd.scope, cmd.amount, cmd.expires_on, cmd.reason, today(clock))
    uow.repo(CreditAccount).save(account)
    uow.commit()


def freeze_credit_account(cmd: FreezeCreditAccount, uow: UnitOfWork) -> None:
    account = uow.repo(CreditAccount).get(cmd.customer_id)
    account.freeze(cmd.reason)
    uow.repo(CreditAccount).save(account)
    uow.commit()


def unfreeze_credit_account(cmd: UnfreezeCreditAccount, uow: UnitOfWork) -> None:
    account = uow.repo(CreditAccount).get(cmd.customer_id)
    account.unfreeze()
    uow.repo(CreditAccount).save(account)
    uow.commit()


# -- queries -----------------------------------------------------------------------------


def installment_options(
    uow: UnitOfWork,
    customer_id: CustomerId,
    principal: Money,
    *,
    clock: Clock,
    scope: str | None = None,
    fee_payer: FeePayer = FeePayer.CUSTOMER,
) -> tuple[InstallmentOption, ...]:
    """Installment control at checkout: every term the customer's grade offers for
    ``principal``, priced from today, and whether the limit covers it."""
    account = uow.repo(CreditAccount).get(customer_id)
    return account.options(principal, today(clock), scope, fee_payer)


def limit_position(uow: UnitOfWork, customer_id: CustomerId, *, clock: Clock) -> LimitPosition:
    return uow.repo(CreditAccount).get(customer_id).position(today(clock))


# -- handlers: held credit ---------------------------------------------------------------


def refund_held_credit(cmd: RefundHeldCredit, uow: UnitOfWork) -> Money:
    account = uow.repo(CreditAccount).get(cmd.customer_id)
    refunded = account.take_credit(refunded=True)
    uow.repo(CreditAccount).save(account)
    uow.commit()
    return refunded
