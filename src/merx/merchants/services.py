"""Merchant use cases: apply, review, open the store, suspend, score, start closing.

Each handler is ``handler(cmd, uow, *, clock=..., ids=...)``: load, call the model, save,
commit. Commands a merchant sends carry ``actor`` (the merchant acting) and are refused
with :class:`~merx.merchants.errors.NotYourMerchant` (an ``Unauthorized``) when it is not
the merchant named. Commands without ``actor`` are the platform's (review, approval,
suspension, scoring). Account opening, deposits and the final close move money, so they
live in ``merx.settlement``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import attrs

from merx.kernel.bus import Command
from merx.kernel.clock import Clock
from merx.kernel.ids import IdSource, MerchantId
from merx.kernel.money import Money
from merx.kernel.uow import UnitOfWork
from merx.merchants.model import Merchant, Performance, check_actor
from merx.qualification import DocumentKind

# -- commands sent by the merchant -----------------------------------------------------


@attrs.frozen
class ApplyMerchant(Command[MerchantId]):
    """A company applies to open a store; ``currency`` is the one it is settled in."""

    name: str
    currency: str = "CNY"


@attrs.frozen
class AddMerchantDocument(Command[None]):
    actor: MerchantId
    merchant_id: MerchantId
    kind: DocumentKind
    number: str
    expires_on: date
    brand: str | None = None


@attrs.frozen
class RemoveMerchantDocument(Command[None]):
    actor: MerchantId
    merchant_id: MerchantId
    number: str


@attrs.frozen
class SetGoodsScope(Command[None]):
    actor: MerchantId
    merchant_id: MerchantId
    categories: tuple[str, ...]


@attrs.frozen
class SubmitMerchantApplication(Command[None]):
    actor: MerchantId
    merchant_id: MerchantId


@attrs.frozen
class ReapplyMerchant(Command[None]):
    actor: MerchantId
    merchant_id: MerchantId


@attrs.frozen
class OpenStore(Command[None]):
    actor: MerchantId
    merchant_id: MerchantId
    store_name: str


# -- commands sent by the platform -----------------------------------------------------


@attrs.frozen
class ReviewMerchantDocument(Command[None]):
    merchant_id: MerchantId
    number: str
    accepted: bool
    note: str | None = None


@attrs.frozen
class ApproveMerchant(Command[None]):
    merchant_id: MerchantId
    deposit_required: Money


@attrs.frozen
class RejectMerchant(Command[None]):
    merchant_id: MerchantId
    reasons: tuple[str, ...] = ()


@attrs.frozen
class ChangeGoodsScope(Command[None]):
    merchant_id: MerchantId
    categories: tuple[str, ...]


@attrs.frozen
class RecordMerchantPerformance(Command[Decimal]):
    """Score the merchant on a review window's counts; returns the new score."""

    merchant_id: MerchantId
    performance: Performance


@attrs.frozen
class SuspendMerchant(Command[None]):
    merchant_id: MerchantId
    reason: str


@attrs.frozen
class ReinstateMerchant(Command[None]):
    merchant_id: MerchantId


@attrs.frozen
class StartClosingMerchant(Command[None]):
    """Stop trading; ``merx.settlement.CloseMerchant`` closes it after the final settlement."""

    merchant_id: MerchantId
    reason: str


# -- handlers --------------------------------------------------------------------------


def apply_merchant(
    cmd: ApplyMerchant, uow: UnitOfWork, *, clock: Clock, ids: IdSource
) -> MerchantId:
    merchant = Merchant.apply(
        merchant_id=MerchantId(ids.next_id("mer")),
        name=cmd.name,
        currency=cmd.currency,
        at=clock.now(),
    )
    uow.repo(Merchant).add(merchant)
    uow.commit()
    return merchant.id


def _own(uow: UnitOfWork, actor: MerchantId, merchant_id: MerchantId) -> Merchant:
    check_actor(actor, merchant_id)
    return uow.repo(Merchant).get(merchant_id)


def _save(uow: UnitOfWork, merchant: Merchant) -> None:
    uow.repo(Merchant).save(merchant)
    uow.commit()


def add_merchant_document(cmd: AddMerchantDocument, uow: UnitOfWork, *, clock: Clock) -> None:
    merchant = _own(uow, cmd.actor, cmd.merchant_id)
    merchant.add_document(
        kind=cmd.kind, number=cmd.number, expires_on=cmd.expires_on, brand=cmd.brand, at=clock.now()
    )
    _save(uow, merchant)


def remove_merchant_document(cmd: RemoveMerchantDocument, uow: UnitOfWork, *, clock: Clock) -> None:
    merchant = _own(uow, cmd.actor, cmd.merchant_id)
    merchant.remove_document(cmd.number, clock.now())
    _save(uow, merchant)


def set_goods_scope(cmd: SetGoodsScope, uow: UnitOfWork, *, clock: Clock) -> None:
    merchant = _own(uow, cmd.actor, cmd.merchant_id)
    merchant.set_goods_scope(cmd.categories, clock.now())
    _save(uow, merchant)


def submit_merchant_application(
    cmd: SubmitMerchantApplication, uow: UnitOfWork, *, clock: Clock
) -> None:
    merchant = _own(uow, cmd.actor, cmd.merchant_id)
    merchant.submit(clock.now())
    _save(uow, merchant)


def reapply_merchant(cmd: ReapplyMerchant, uow: UnitOfWork, *, clock: Clock) -> None:
    merchant = _own(uow, cmd.actor, cmd.merchant_id)
    merchant.reapply(clock.now())
    _save(uow, merchant)


def open_store(cmd: OpenStore, uow: UnitOfWork, *, clock: Clock) -> None:
    merchant = _own(uow, cmd.actor, cmd.merchant_id)
    merchant.open_store(cmd.store_name, clock.now())
    _save(uow, merchant)


def review_merchant_document(cmd: ReviewMerchantDocument, uow: UnitOfWork, *, clock: Clock) -> None:
    merchant = uow.repo(Merchant).get(cmd.merchant_id)
    merchant.review_document(cmd.number, accepted=cmd.accepted, note=cmd.note, at=clock.now())
    _save(uow, merchant)


def approve_merchant(cmd: ApproveMerchant, uow: UnitOfWork, *, clock: Clock) -> None:
    merchant = uow.repo(Merchant).get(cmd.merchant_id)
    merchant.approve(cmd.deposit_required, clock.now())
    _save(uow, merchant)


def reject_merchant(cmd: RejectMerchant, uow: UnitOfWork, *, clock: Clock) -> None:
    merchant = uow.repo(Merchant).get(cmd.merchant_id)
    merchant.reject(cmd.reasons, clock.now())
    _save(uow, merchant)


def change_goods_scope(cmd: ChangeGoodsScope, uow: UnitOfWork, *, clock: Clock) -> None:
    merchant = uow.repo(Merchant).get(cmd.merchant_id)
    merchant.change_goods_scope(cmd.categories, clock.now())
    _save(uow, merchant)


def record_merchant_performance(
    cmd: RecordMerchantPerformance, uow: UnitOfWork, *, clock: Clock
) -> Decimal:
    merchant = uow.repo(Merchant).get(cmd.merchant_id)
    score = merchant.record_performance(cmd.performance, clock.now())
    _save(uow, merchant)
    return score


def suspend_merchant(cmd: SuspendMerchant, uow: UnitOfWork, *, clock: Clock) -> None:
    merchant = uow.repo(Merchant).get(cmd.merchant_id)
    merchant.suspend(cmd.reason, clock.now())
    _save(uow, merchant)


def reinstate_merchant(cmd: ReinstateMerchant, uow: UnitOfWork, *, clock: Clock) -> None:
    merchant = uow.repo(Merchant).get(cmd.merchant_id)
    merchant.reinstate(clock.now())
    _save(uow, merchant)


def start_closing_merchant(cmd: StartClosingMerchant, uow: UnitOfWork, *, clock: Clock) -> None:
    merchant = uow.repo(Merchant).get(cmd.merchant_id)
    merchant.start_closing(cmd.reason, clock.now())
    _save(uow, merchant)


# -- merchant-facing queries -----------------------------------------------------------


def merchant_profile(uow: UnitOfWork, actor: MerchantId, merchant_id: MerchantId) -> Merchant:
    """The merchant's own record; another merchant's is refused (``NotYourMerchant``)."""
    return _own(uow, actor, merchant_id)
