"""Clearing and settlement: what each order owes each merchant, and when it is paid.

* :class:`CommissionTable` - rates by SKU, merchant/category, category, merchant and a
  default; the most specific wins, in that order.
* :class:`OrderClearing` - one paid order's lines with their **frozen figures** (base,
  commission, subsidy) computed once at payment, and the refunds against them. It never
  touches the ledger: its methods return the legs of the entry each business event books,
  and the service posts them. Refunds reverse commission and subsidy in proportion to the
  *cumulative* refunded share of the line, rounded once (``ROUND_HALF_UP``), so partial
  refunds never drift and a full refund reverses exactly.
* :class:`MerchantAccount` - the merchant's settlement terms (cycle, negative-balance
  policy, withdrawal limits, pre-settlement fee), its completed orders awaiting a run, and
  the rules of its money: recharges, marketing charges (never beyond the marketing
  balance), compensation, pre-settlement, the final settlement and closing.
* :class:`SettlementStatement` - one settlement run for one merchant.
* :class:`Withdrawal` - money leaving for the merchant's bank: pending until the payout
  port confirms, then paid or failed.
* :func:`reconcile` - the reconciliation report over a ledger, its entries and the order
  clearings: it reads each account's role (``account.role``), never its name.

The ledger itself (accounts, entries, balances) is :mod:`merx.ledger`. Signs follow the
ledger: a debit is positive. What a merchant is owed on an account is
minus that account's balance (:func:`owed`).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Final, NewType

import attrs

from merx.kernel.aggregate import Aggregate, flat_field
from merx.kernel.clock import require_aware
from merx.kernel.errors import (
    CurrencyMismatch,
    IdempotencyConflict,
    InvalidAmount,
    NotFound,
    ValidationError,
)
from merx.kernel.events import DomainEvent
from merx.kernel.ids import MerchantId, OrderId
from merx.kernel.money import Money, minor_unit
from merx.kernel.state import StateMachine
from merx.kernel.validation import require_text
from merx.ledger import (
    COMMISSION,
    FEES,
    MARKETING,
    PENALTIES,
    REFUNDS,
    SUBSIDY,
    TRANSIT,
    AccountId,
    Balance,
    Bucket,
    Entry,
    EntryKind,
    Journal,
    Ledger,
    Leg,
    Phase,
    Role,
    cash_account,
    counter_moves,
    merchant_account,
)
from merx.merchants import NotYourMerchant
from merx.settlement.errors import (
    AlreadySettled,
    BalancesOutstanding,
    InsufficientBalance,
    InvalidRate,
    InvalidSale,
    NothingToSettle,
    OrderNotCompleted,
    RefundExceedsPaid,
    UnknownLine,
    WithdrawalLimitExceeded,
)

StatementId = NewType("StatementId", str)
WithdrawalId = NewType("WithdrawalId", str)

#: The payout bank account withdrawals are paid from (``cash:payout``).
PAYOUT_CHANNEL: Final = "payout"


# -- small values ----------------------------------------------------------------------


def require_rate(value: object, what: str) -> Decimal:
    """An exact rate ``0 <= rate <= 1`` (a Decimal, int or decimal string; never a float)."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise InvalidRate(f"{what} must be a decimal fraction, not {value!r}")
    try:
        rate = Decimal(value.strip() if isinstance(value, str) else value)
    except ArithmeticError:
        raise InvalidRate(f"{what} {value!r} is not a decimal number") from None
    if not rate.is_finite() or not 0 <= rate <= 1:
        raise InvalidRate(f"{what} must lie between 0 and 1, not {value!r}")
    return rate


def _require_money(value: object, currency: str, what: str, *, positive: bool = False) -> Money:
    if not isinstance(value, Money):
        raise InvalidAmount(f"{what} must be Money, not {value!r}")
    if value.currency != currency:
        raise CurrencyMismatch(f"{what} must be in {currency}, not {value}")
    if value.is_negative() or (positive and value.is_zero()):
        raise InvalidAmount(f"{what} must be {'positive' if positive else '>= 0'}, not {value}")
    return value


def owed(ledger: Ledger, journal: Journal, account: AccountId) -> int:
    """What the platform owes on a liability account, in minor units (minus its balance)."""
    return -ledger.balance(journal, account)


def _combine(legs: Iterable[Leg]) -> tuple[Leg, ...]:
    """Sum legs by account, in first-seen order, and drop zero legs."""
    totals: dict[AccountId, int] = {}
    for account, amount in legs:
        totals[account] = totals.get(account, 0) + amount
    return tuple((account, amount) for account, amount in totals.items() if amount)


# -- commission ------------------------------------------------------------------------


@attrs.frozen
class CommissionTable:
    """Commission rates (fractions). :meth:`rate_for` takes the most specific that applies:
    SKU, then ``"merchant/category"``, then category, then merchant, then ``default``."""

    default: Decimal
    skus: Mapping[str, Decimal] = attrs.field(factory=dict)
    merchant_categories: Mapping[str, Decimal] = attrs.field(factory=dict)
    categories: Mapping[str, Decimal] = attrs.field(factory=dict)
    merchants: Mapping[str, Decimal] = attrs.field(factory=dict)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "default", require_rate(self.default, "default commission"))
        for name in ("skus", "merchant_categories", "categories", "merchants"):
            table = getattr(self, name)
            if not isinstance(table, Mapping):
                raise InvalidRate(f"commission {name} must be a mapping, not {table!r}")
            checked = {
                require_text(key, f"commission {name} key"): require_rate(
                    rate, f"commission rate of {name} {key!r}"
                )
                for key, rate in table.items()
            }
            object.__setattr__(self, name, checked)
        for key in self.merchant_categories:
            if key.count("/") != 1 or not all(key.split("/")):
                raise InvalidRate(f"a merchant/category key is 'merchant/category', not {key!r}")

    def rate_for(self, sku: str, merchant: str, category: str) -> tuple[Decimal, str]:
        """The rate for a line and the rule that gave it (``"sku:A"``, ``"default"``...)."""
        if sku in self.skus:
            return self.skus[sku], f"sku:{sku}"
        pair = f"{merchant}/{category}"
        if pair in self.merchant_categories:
            return self.merchant_categories[pair], f"merchant_category:{pair}"
        if category in self.categories:
            return self.categories[category], f"category:{category}"
        if merchant in self.merchants:
            return self.merchants[merchant], f"merchant:{merchant}"
        return self.default, "default"


@attrs.frozen
class CommissionTableSet(DomainEvent):
    table: CommissionTable
    at: datetime


COMMISSION_SCHEDULE_ID: Final = "commission"


@attrs.define(kw_only=True)
class CommissionSchedule(Aggregate):
    """The platform's commission table in force (one, id ``"commission"``). Orders keep the
    rates frozen at payment, so changing it never touches paid orders."""

    id: str = COMMISSION_SCHEDULE_ID
    table: CommissionTable

    def replace(self, table: CommissionTable, at: datetime) -> None:
        if not isinstance(table, CommissionTable):
            raise ValidationError(f"a commission table is a CommissionTable, not {table!r}")
        require_aware(at)
        self.table = table
        self.record(CommissionTableSet(table, at))


# -- clearing of one order -------------------------------------------------------------


@attrs.frozen
class SaleLine:
    """One order line as the order's quote froze it: ``amount`` is price x quantity; the
    discounts are what the quote allocated to the line and who funds them.

    ``added_tax``: the tax the customer paid on top (tax-exclusive prices), the seller's
    to remit, so no commission is taken on it. ``commissioned``: ``False`` for a line the
    platform takes no commission on (an order's freight, whose "discounts" are the
    parties' waivers of it).
    """

    sku: str
    merchant: MerchantId
    category: str
    amount: Money
    merchant_discount: Money
    platform_discount: Money
    added_tax: Money | None = None
    commissioned: bool = True

    def __attrs_post_init__(self) -> None:
        require_text(self.sku, "sku")
        require_text(self.merchant, "merchant")
        require_text(self.category, "category")
        if not isinstance(self.amount, Money):
            raise InvalidAmount(f"line {self.sku!r}: amount must be Money, not {self.amount!r}")
        currency = self.amount.currency
        _require_money(self.amount, currency, f"amount of line {self.sku!r}")
        _require_money(self.merchant_discount, currency, f"merchant discount of {self.sku!r}")
        _require_money(self.platform_discount, currency, f"platform discount of {self.sku!r}")
        if self.added_tax is not None:
            _require_money(self.added_tax, currency, f"added tax of {self.sku!r}")
        if not isinstance(self.commissioned, bool):
            raise InvalidSale(f"line {self.sku!r}: commissioned is a bool")
        if self.merchant_discount + self.platform_discount > self.amount:
            raise InvalidSale(
                f"line {self.sku!r}: discounts {self.merchant_discount} + "
                f"{self.platform_discount} exceed the amount {self.amount}"
            )


@attrs.frozen
class ClearingLine:
    """A sold line with its frozen figures and the refunds against it."""

    sale: SaleLine
    rate: Decimal
    rule: str
    commission: Money
    refunded: Money
    commission_reversed: Money
    subsidy_reversed: Money

    @classmethod
    def freeze(cls, sale: SaleLine, table: CommissionTable) -> ClearingLine:
        if sale.commissioned:
            rate, rule = table.rate_for(sale.sku, sale.merchant, sale.category)
        else:
            rate, rule = Decimal(0), "no commission"
        base = sale.amount - sale.merchant_discount
        zero = Money.zero(sale.amount.currency)
        return cls(sale, rate, rule, base.scale(rate), zero, zero, zero)

    @property
    def merchant(self) -> MerchantId:
        return self.sale.merchant

    @property
    def base(self) -> Money:
        """What the line earns the merchant before commission: amount - its own discount."""
        return self.sale.amount - self.sale.merchant_discount

    @property
    def subsidy(self) -> Money:
        return self.sale.platform_discount

    @property
    def paid(self) -> Money:
        """What the customer paid for the line (with the tax added on top, if any)."""
        paid = self.base - self.subsidy
        return paid if self.sale.added_tax is None else paid + self.sale.added_tax

    @property
    def refundable(self) -> Money:
        return self.paid - self.refunded

    @property
    def net_commission(self) -> Money:
        return self.commission - self.commission_reversed

    @property
    def net_subsidy(self) -> Money:
        return self.subsidy - self.subsidy_reversed

    @property
    def net_owed(self) -> Money:
        """What the merchant is owed now: net paid + net subsidy - net commission."""
        return self.refundable + self.net_subsidy - self.net_commission

    def after_refund(self, amount: Money) -> ClearingLine:
        """This line once ``amount`` more is refunded: reversals on the cumulative share."""
        if amount > self.refundable:
            raise RefundExceedsPaid(
                f"line {self.sale.sku!r}: {self.refunded} of {self.paid} already refunded, "
                f"cannot refund {amount} more"
            )
        refunded = self.refunded + amount
        share = Fraction(refunded.minor, self.paid.minor)  # paid > 0 as amount > 0
        return attrs.evolve(
            self,
            refunded=refunded,
            commission_reversed=self.commission.scale(share),
            subsidy_reversed=self.subsidy.scale(share),
        )


class ClearingState(enum.Enum):
    PAID = "paid"  # the customer's money is in transit
    COMPLETED = "completed"  # cleared to the merchants' pending balances


class RefundKind(enum.Enum):
    REFUND = "refund"  # goods returned, or refund only
    PRICE_ADJUSTMENT = "price_adjustment"  # the price was lowered after payment

    @property
    def entry_kind(self) -> EntryKind:
        """The kind of the ledger entry that books it."""
        return EntryKind.REFUND if self is RefundKind.REFUND else EntryKind.PRICE_ADJUSTMENT


@attrs.frozen
class RefundRecord:
    """A refund booked against a line, with the legs its entry posted."""

    refund_id: str
    sku: str
    amount: Money
    kind: RefundKind
    legs: tuple[Leg, ...]


@attrs.frozen
class OrderPaymentBooked(DomainEvent):
    order_id: OrderId
    channel: str
    paid: Money
    at: datetime


@attrs.frozen
class OrderCompleted(DomainEvent):
    order_id: OrderId
    completed_on: date
    owed: tuple[tuple[MerchantId, Money], ...]
    at: datetime


@attrs.frozen
class RefundBooked(DomainEvent):
    order_id: OrderId
    refund_id: str
    sku: str
    amount: Money
    kind: RefundKind
    at: datetime


@attrs.frozen
class OrderSettled(DomainEvent):
    order_id: OrderId
    merchant_id: MerchantId
    reference: str
    amount: Money
    at: datetime


_C = ClearingState

CLEARING_FLOW: StateMachine[ClearingState] = StateMachine(
    "order clearing",
    [
        (_C.PAID, "refund", _C.PAID),
        (_C.PAID, "complete", _C.COMPLETED),
        (_C.COMPLETED, "refund", _C.COMPLETED),
        (_C.COMPLETED, "settle", _C.COMPLETED),
    ],
)


@attrs.define(kw_only=True)
class OrderClearing(Aggregate):
    """One paid order's clearing record (see the module docstring). The id is the order's."""

    id: OrderId
    currency: str
    channel: str
    lines: tuple[ClearingLine, ...]
    status: ClearingState = ClearingState.PAID
    paid_at: datetime
    completed_on: date | None = None
    settled: dict[str, str] = flat_field(dict)  # merchant -> statement or advance
    refunds: dict[str, RefundRecord] = flat_field(dict)

    @classmethod
    def book_payment(
        cls,
        *,
        order_id: OrderId,
        channel: str,
        sales: Sequence[SaleLine],
        table: CommissionTable,
        at: datetime,
    ) -> OrderClearing:
        """Freeze the figures of a paid order's lines (the rates of ``table`` today)."""
        require_text(order_id, "order id")
        require_text(channel, "payment channel")
        if not isinstance(table, CommissionTable):
            raise ValidationError(f"a commission table is a CommissionTable, not {table!r}")
        sales = tuple(sales)
        if not sales:
            raise InvalidSale(f"order {order_id!r} has no lines")
        for sale in sales:
            if not isinstance(sale, SaleLine):
                raise InvalidSale(f"order {order_id!r}: a line is a SaleLine, not {sale!r}")
        currency = sales[0].amount.currency
        for sale in sales:
            if sale.amount.currency != currency:
                raise CurrencyMismatch(f"order {order_id!r} mixes {currency} and {sale.amount}")
        skus = [sale.sku for sale in sales]
        if len(set(skus)) != len(skus):
            raise InvalidSale(f"order {order_id!r} names a SKU twice: {skus}")
        require_aware(at)
        lines = tuple(ClearingLine.freeze(sale, table) for sale in sales)
        clearing = cls(id=order_id, currency=currency, channel=channel, lines=lines, paid_at=at)
        clearing.record(OrderPaymentBooked(order_id, channel, clearing.paid, at))
        return clearing

    def check_same_payment(self, channel: str, sales: Sequence[SaleLine]) -> None:
        """A replayed payment must be the same one (:class:`IdempotencyConflict`)."""
        if (self.channel, tuple(line.sale for line in self.lines)) != (channel, tuple(sales)):
            raise IdempotencyConflict(f"order {self.id!r} was booked with other lines")

    # -- figures -----------------------------------------------------------------------

    def _total(self, values: Iterable[Money]) -> Money:
        return Money.sum(values, self.currency)

    @property
    def paid(self) -> Money:
        return self._total(line.paid for line in self.lines)

    @property
    def refunded(self) -> Money:
        return self._total(line.refunded for line in self.lines)

    @property
    def net_commission(self) -> Money:
        return self._total(line.net_commission for line in self.lines)

    @property
    def net_subsidy(self) -> Money:
        return self._total(line.net_subsidy for line in self.lines)

    @property
    def merchants(self) -> tuple[MerchantId, ...]:
        return tuple(dict.fromkeys(line.merchant for line in self.lines))

    def net_owed(self, merchant: MerchantId) -> Money:
        return self._total(line.net_owed for line in self.lines if line.merchant == merchant)

    def lines_of(self, merchant: MerchantId) -> tuple[ClearingLine, ...]:
        """The merchant's own lines; another merchant's lines are never shown to it."""
        own = tuple(line for line in self.lines if line.merchant == merchant)
        if not own:
            raise NotYourMerchant(f"order {self.id!r} has no line of merchant {merchant!r}")
        return own

    def line(self, sku: str) -> ClearingLine:
        for line in self.lines:
            if line.sale.sku == sku:
                return line
        raise UnknownLine(f"order {self.id!r} has no line for SKU {sku!r}")

    def bucket_of(self, merchant: MerchantId) -> Bucket:
        """Where the merchant's money for this order sits now."""
        return Bucket.AVAILABLE if merchant in self.settled else Bucket.PENDING

    # -- entries -----------------------------------------------------------------------

    def payment_legs(self) -> tuple[Leg, ...]:
        """Payment received: Dr cash at the channel / Cr customers' payments in transit."""
        paid = self.paid.minor
        return _combine([(cash_account(self.channel), paid), (TRANSIT, -paid)])

    def complete(self, completed_on: date, at: datetime) -> tuple[Leg, ...]:
        """The order is completed: clear what is left in transit to the merchants."""
        CLEARING_FLOW.target(self.status, "complete")
        if type(completed_on) is not date:
            raise ValidationError(f"completion date must be a date, not {completed_on!r}")
        require_aware(at)
        legs: list[Leg] = [
            (TRANSIT, self.paid.minor - self.refunded.minor),
            (SUBSIDY, self.net_subsidy.minor),
            (COMMISSION, -self.net_commission.minor),
        ]
        owed_by_merchant = tuple((m, self.net_owed(m)) for m in self.merchants)
        legs += [(merchant_account(m, Bucket.PENDING), -o.minor) for m, o in owed_by_merchant]
        self.completed_on = completed_on
        CLEARING_FLOW.move(
            self, "complete", OrderCompleted(self.id, completed_on, owed_by_merchant, at)
        )
        return _combine(legs)

    def refund(
        self, refund_id: str, sku: str, amount: Money, kind: RefundKind, at: datetime
    ) -> tuple[tuple[Leg, ...], bool]:
        """Book a refund on a line: the legs of its entry, and whether it is new.

        Before completion the money comes back out of transit; after, the merchant gives
        back its share (from pending, or available once settled) and the platform its
        commission, while the subsidy comes back to the platform.
        """
        require_text(refund_id, "refund id")
        earlier = self.refunds.get(refund_id)
        if earlier is not None:
            if (earlier.sku, earlier.amount, earlier.kind) != (sku, amount, kind):
                raise IdempotencyConflict(
                    f"order {self.id!r}: refund {refund_id!r} was {earlier.amount} on "
                    f"{earlier.sku!r}, now {amount!r} on {sku!r}"
                )
            return earlier.legs, False
        CLEARING_FLOW.target(self.status, "refund")
        if not isinstance(kind, RefundKind):
            raise ValidationError(f"unknown refund kind {kind!r}")
        _require_money(amount, self.currency, f"refund {refund_id!r}", positive=True)
        line = self.line(sku)
        after = line.after_refund(amount)
        require_aware(at)
        if self.status is ClearingState.PAID:
            legs: tuple[Leg, ...] = ((TRANSIT, amount.minor), (REFUNDS, -amount.minor))
        else:
            d_commission = (after.commission_reversed - line.commission_reversed).minor
            d_subsidy = (after.subsidy_reversed - line.subsidy_reversed).minor
            bucket = merchant_account(line.merchant, self.bucket_of(line.merchant))
            legs = _combine(
                [
                    (bucket, amount.minor + d_subsidy - d_commission),
                    (COMMISSION, d_commission),
                    (SUBSIDY, -d_subsidy),
                    (REFUNDS, -amount.minor),
                ]
            )
        self.lines = tuple(after if item is line else item for item in self.lines)
        self.refunds[refund_id] = RefundRecord(refund_id, sku, amount, kind, legs)
        CLEARING_FLOW.move(self, "refund", RefundBooked(self.id, refund_id, sku, amount, kind, at))
        return legs, True

    def refund_payout_legs(self, refund_id: str) -> tuple[Leg, ...]:
        """The channel paid the refund back: Dr refunds / Cr cash at the channel."""
        record = self.refunds.get(refund_id)
        if record is None:
            raise NotFound(f"order {self.id!r} has no refund {refund_id!r}")
        return refund_paid_legs(self.channel, record.amount)

    def check_settle(self, merchant: MerchantId) -> None:
        if self.completed_on is None:
            raise OrderNotCompleted(f"order {self.id!r} is not completed; nothing to settle")
        CLEARING_FLOW.target(self.status, "settle")
        if merchant not in self.merchants:
            raise NotYourMerchant(f"order {self.id!r} has no line of merchant {merchant!r}")
        if merchant in self.settled:
            raise AlreadySettled(
                f"order {self.id!r} was settled to {merchant!r} by {self.settled[merchant]!r}"
            )

    def settle(self, merchant: MerchantId, reference: str, at: datetime) -> Money:
        """The merchant's part moves from pending to available; returns the amount."""
        self.check_settle(merchant)
        require_text(reference, "settlement reference")
        require_aware(at)
        amount = self.net_owed(merchant)
        self.settled[merchant] = reference
        CLEARING_FLOW.move(self, "settle", OrderSettled(self.id, merchant, reference, amount, at))
        return amount


# -- merchant accounts -----------------------------------------------------------------


class CycleKind(enum.Enum):
    T_PLUS_N = "t_plus_n"  # N days after completion
    WEEKLY = "weekly"  # orders completed in an earlier week (weeks start on Monday)
    MONTHLY = "monthly"  # orders completed in an earlier calendar month


@attrs.frozen
class SettlementCycle:
    kind: CycleKind
    days: int = 0

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.kind, CycleKind):
            raise ValidationError(f"unknown settlement cycle {self.kind!r}")
        if isinstance(self.days, bool) or not isinstance(self.days, int) or self.days < 0:
            raise ValidationError(f"settlement days must be a whole number >= 0, not {self.days!r}")
        if self.kind is not CycleKind.T_PLUS_N and self.days:
            raise ValidationError(f"a {self.kind.value} cycle takes no days, got {self.days}")

    def due(self, completed_on: date, as_of: date) -> bool:
        """Whether an order completed on ``completed_on`` is settled by a run on ``as_of``."""
        if self.kind is CycleKind.T_PLUS_N:
            return completed_on + timedelta(days=self.days) <= as_of
        if self.kind is CycleKind.WEEKLY:
            return completed_on < as_of - timedelta(days=as_of.weekday())
        return completed_on < as_of.replace(day=1)

    def __str__(self) -> str:
        return f"T+{self.days}" if self.kind is CycleKind.T_PLUS_N else self.kind.value


class NegativeBalancePolicy(enum.Enum):
    """What happens when refunds or charges take a merchant's available balance below zero."""

    OFFSET_NEXT_SETTLEMENT = "offset_next_settlement"  # the next run's money covers it first
    DEDUCT_DEPOSIT = "deduct_deposit"  # covered at once from the deposit (top it up after)


@attrs.frozen
class WithdrawalLimits:
    """Per withdrawal at least ``minimum`` and at most ``maximum``; per business day at
    most ``daily_maximum`` (pending and paid withdrawals count, failed ones do not)."""

    minimum: Money
    maximum: Money
    daily_maximum: Money

    def __attrs_post_init__(self) -> None:
        currency = self.minimum.currency if isinstance(self.minimum, Money) else "?"
        _require_money(self.minimum, currency, "withdrawal minimum", positive=True)
        _require_money(self.maximum, currency, "withdrawal maximum", positive=True)
        _require_money(self.daily_maximum, currency, "daily withdrawal maximum", positive=True)
        if not self.minimum <= self.maximum <= self.daily_maximum:
            raise ValidationError(
                f"withdrawal limits need minimum <= maximum <= daily maximum, got "
                f"{self.minimum}, {self.maximum}, {self.daily_maximum}"
            )


@attrs.frozen
class SettlementTerms:
    cycle: SettlementCycle
    negative_policy: NegativeBalancePolicy
    limits: WithdrawalLimits
    presettle_fee_rate: Decimal

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.cycle, SettlementCycle):
            raise ValidationError(f"a settlement cycle is a SettlementCycle, not {self.cycle!r}")
        if not isinstance(self.negative_policy, NegativeBalancePolicy):
            raise ValidationError(f"unknown negative-balance policy {self.negative_policy!r}")
        if not isinstance(self.limits, WithdrawalLimits):
            raise ValidationError(f"withdrawal limits are WithdrawalLimits, not {self.limits!r}")
        require_rate(self.presettle_fee_rate, "pre-settlement fee rate")


@attrs.frozen
class ClearingAccountOpened(DomainEvent):
    merchant_id: MerchantId
    terms: SettlementTerms
    at: datetime


@attrs.frozen
class SettlementTermsChanged(DomainEvent):
    merchant_id: MerchantId
    terms: SettlementTerms
    at: datetime


@attrs.frozen
class FinalSettlementPosted(DomainEvent):
    """A closing merchant's deposit and marketing balance (``returned``) went back to its
    available balance, to be withdrawn."""

    merchant_id: MerchantId
    reference: str
    returned: Money
    at: datetime


@attrs.frozen
class MarketingRecharged(DomainEvent):
    """A merchant topped up its marketing balance through a payment channel."""

    merchant_id: MerchantId
    recharge_id: str
    channel: str
    amount: Money
    at: datetime


@attrs.frozen
class MarketingCharged(DomainEvent):
    """Marketing spend (an ad click, a placement) was taken from the marketing balance."""

    merchant_id: MerchantId
    charge_id: str
    amount: Money
    at: datetime


@attrs.frozen
class CustomerCompensated(DomainEvent):
    """A merchant compensated a customer from its available balance."""

    merchant_id: MerchantId
    compensation_id: str
    amount: Money
    reason: str
    at: datetime


@attrs.frozen
class MerchantAccountClosed(DomainEvent):
    merchant_id: MerchantId
    reference: str
    at: datetime


@attrs.define(kw_only=True)
class MerchantAccount(Aggregate):
    """A merchant's place in the clearing system: its terms and its orders awaiting a run.

    ``unsettled`` maps each completed, not yet settled order to its completion date;
    ``withdrawn_on`` the amount withdrawn (pending or paid) per business day.
    """

    id: MerchantId
    currency: str
    terms: SettlementTerms
    unsettled: dict[str, date] = flat_field(dict)
    withdrawn_on: dict[date, Money] = flat_field(dict)
    final_settlement: str | None = None
    closed: bool = False

    @classmethod
    def open(
        cls, merchant_id: MerchantId, currency: str, terms: SettlementTerms, at: datetime
    ) -> MerchantAccount:
        require_text(merchant_id, "merchant id")
        minor_unit(currency)
        if not isinstance(terms, SettlementTerms):
            raise ValidationError(f"settlement terms are SettlementTerms, not {terms!r}")
        if terms.limits.minimum.currency != currency:
            raise CurrencyMismatch(f"withdrawal limits of {merchant_id!r} must be in {currency}")
        require_aware(at)
        account = cls(id=merchant_id, currency=currency, terms=terms)
        account.record(ClearingAccountOpened(merchant_id, terms, at))
        return account

    def check_same_terms(self, terms: SettlementTerms) -> None:
        """A replayed opening must be on the same terms (:class:`IdempotencyConflict`)."""
        if self.terms != terms:
            raise IdempotencyConflict(f"merchant {self.id!r} already has an account on other terms")

    def change_terms(self, terms: SettlementTerms, at: datetime) -> None:
        if not isinstance(terms, SettlementTerms):
            raise ValidationError(f"settlement terms are SettlementTerms, not {terms!r}")
        if terms.limits.minimum.currency != self.currency:
            raise CurrencyMismatch(f"withdrawal limits of {self.id!r} must be in {self.currency}")
        require_aware(at)
        self.terms = terms
        self.record(SettlementTermsChanged(self.id, terms, at))

    def add_completed(self, order_id: str, completed_on: date) -> None:
        self.unsettled[order_id] = completed_on

    def due(self, as_of: date) -> list[str]:
        """The completed orders a run on ``as_of`` settles, oldest completion first."""
        cycle = self.terms.cycle
        due = [(day, order) for order, day in self.unsettled.items() if cycle.due(day, as_of)]
        return [order for _, order in sorted(due)]

    def mark_settled(self, order_id: str) -> None:
        self.unsettled.pop(order_id, None)

    def presettle_fee(self, amount: Money) -> Money:
        """The fee for advancing ``amount`` before its cycle (``ROUND_HALF_UP``, once)."""
        return amount.scale(self.terms.presettle_fee_rate)

    def presettle(self, order_id: str, amount: Money) -> tuple[tuple[Leg, ...], Money]:
        """Advance ``amount``, the order's part just settled, before its cycle: the legs
        (the fee to the platform) and what the merchant is credited."""
        fee = self.presettle_fee(amount)
        self.mark_settled(order_id)
        return presettlement_legs(self.id, amount, fee), amount - fee

    # -- the merchant's other money (each returns the legs of its entry) ----------------

    def recharge(
        self, recharge_id: str, channel: str, amount: Money, *, at: datetime
    ) -> tuple[Leg, ...]:
        """A top-up of the marketing balance through ``channel``."""
        if not amount.is_positive():
            raise ValidationError(f"a recharge is a positive amount, not {amount}")
        legs = recharge_legs(self.id, channel, amount)
        self.record(MarketingRecharged(self.id, recharge_id, channel, amount, at))
        return legs

    def charge_marketing(
        self, ledger: Ledger, journal: Journal, charge_id: str, amount: Money, *, at: datetime
    ) -> tuple[Leg, ...]:
        """Marketing spend, refused unless the marketing balance covers it
        (:class:`InsufficientBalance`)."""
        if not amount.is_positive():
            raise ValidationError(f"a marketing charge is a positive amount, not {amount}")
        balance = owed(ledger, journal, merchant_account(self.id, Bucket.MARKETING))
        if amount.minor > balance:
            raise InsufficientBalance(
                f"merchant {self.id!r} has {ledger.money(balance)} for marketing, not {amount}"
            )
        legs = marketing_spend_legs(self.id, amount)
        self.record(MarketingCharged(self.id, charge_id, amount, at))
        return legs

    def compensate(
        self, compensation_id: str, amount: Money, reason: str, *, at: datetime
    ) -> tuple[Leg, ...]:
        """Compensation to a customer, charged to the available balance in full."""
        if not reason:
            raise ValidationError("a compensation needs a reason")
        if not amount.is_positive():
            raise ValidationError(f"a compensation is a positive amount, not {amount}")
        legs = compensation_legs(self.id, amount)
        self.record(CustomerCompensated(self.id, compensation_id, amount, reason, at))
        return legs

    def check_withdrawal(self, amount: Money, withdrawable: Money, day: date) -> None:
        """Raise unless ``amount`` may leave today (limits, then the balance)."""
        _require_money(amount, self.currency, "withdrawal", positive=True)
        limits = self.terms.limits
        if amount < limits.minimum or amount > limits.maximum:
            raise WithdrawalLimitExceeded(
                f"merchant {self.id!r}: a withdrawal is {limits.minimum} to {limits.maximum}, "
                f"not {amount}"
            )
        today = self.withdrawn_on.get(day, Money.zero(self.currency))
        if today + amount > limits.daily_maximum:
            raise WithdrawalLimitExceeded(
                f"merchant {self.id!r} withdrew {today} on {day}; {amount} more exceeds the "
                f"daily maximum {limits.daily_maximum}"
            )
        if amount > withdrawable:
            raise InsufficientBalance(
                f"merchant {self.id!r} can withdraw {withdrawable}, not {amount}"
            )

    def count_withdrawal(self, amount: Money, day: date) -> None:
        self.withdrawn_on[day] = self.withdrawn_on.get(day, Money.zero(self.currency)) + amount

    def uncount_withdrawal(self, amount: Money, day: date) -> None:
        self.withdrawn_on[day] = self.withdrawn_on[day] - amount

    # -- leaving -----------------------------------------------------------------------

    def settle_finally(
        self, ledger: Ledger, journal: Journal, reference: str, at: datetime
    ) -> tuple[Leg, ...]:
        """The final settlement of a closing merchant, once every order is settled: its
        deposit and marketing balance go back to its available balance (the legs returned;
        none when both are empty). A merchant is settled finally once: another reference
        is an :class:`IdempotencyConflict` (the same one is a replay: nothing to do)."""
        require_text(reference, "final settlement reference")
        if self.final_settlement is not None:
            raise IdempotencyConflict(
                f"merchant {self.id!r} was finally settled by {self.final_settlement!r}"
            )
        if self.unsettled:
            raise BalancesOutstanding(
                f"merchant {self.id!r} has unsettled orders: {sorted(self.unsettled)}"
            )
        require_aware(at)
        legs = final_settlement_legs(ledger, journal, self.id)
        returned = sum(
            owed(ledger, journal, merchant_account(self.id, bucket))
            for bucket in (Bucket.DEPOSIT, Bucket.MARKETING)
        )
        self.final_settlement = reference
        self.record(FinalSettlementPosted(self.id, reference, ledger.money(returned), at))
        return legs

    def close(
        self,
        ledger: Ledger,
        journal: Journal,
        open_withdrawals: int,
        reference: str,
        at: datetime,
    ) -> None:
        """Closed for good: every balance of the merchant is zero and nothing is in flight
        (:class:`BalancesOutstanding` otherwise)."""
        self.check_close(ledger, journal, open_withdrawals)
        require_text(reference, "final settlement reference")
        require_aware(at)
        self.closed = True
        self.record(MerchantAccountClosed(self.id, reference, at))

    def check_close(self, ledger: Ledger, journal: Journal, open_withdrawals: int) -> None:
        """Raise unless every balance of the merchant is zero and nothing is in flight."""
        if self.unsettled:
            raise BalancesOutstanding(
                f"merchant {self.id!r} has unsettled orders: {sorted(self.unsettled)}"
            )
        if open_withdrawals:
            raise BalancesOutstanding(
                f"merchant {self.id!r} has {open_withdrawals} withdrawals pending"
            )
        left = {
            bucket.value: ledger.money(owed(ledger, journal, merchant_account(self.id, bucket)))
            for bucket in Bucket
        }
        non_zero = {name: str(money) for name, money in left.items() if not money.is_zero()}
        if non_zero:
            raise BalancesOutstanding(f"merchant {self.id!r} still has balances {non_zero}")


# -- money views -----------------------------------------------------------------------


@attrs.frozen
class MerchantBalances:
    """What a merchant sees of its money (minor-unit figures turned into Money)."""

    merchant_id: MerchantId
    pending: Money  # owed for completed orders, waiting for their settlement run
    available: Money  # settled (negative: owed back to the platform)
    withdrawing: Money  # withdrawals waiting for the bank
    withdrawable: Money  # available - withdrawing, never below zero
    deposit: Money
    marketing: Money


def merchant_balances(
    ledger: Ledger, journal: Journal, merchant_id: MerchantId
) -> MerchantBalances:
    def owed_on(bucket: Bucket) -> int:
        return owed(ledger, journal, merchant_account(merchant_id, bucket))

    available = owed_on(Bucket.AVAILABLE)
    withdrawing = ledger.figures(
        journal, merchant_account(merchant_id, Bucket.AVAILABLE)
    ).pending_debits
    return MerchantBalances(
        merchant_id=merchant_id,
        pending=ledger.money(owed_on(Bucket.PENDING)),
        available=ledger.money(available),
        withdrawing=ledger.money(withdrawing),
        withdrawable=ledger.money(max(0, available - withdrawing)),
        deposit=ledger.money(owed_on(Bucket.DEPOSIT)),
        marketing=ledger.money(owed_on(Bucket.MARKETING)),
    )


def negative_cover_legs(
    ledger: Ledger, journal: Journal, merchant_id: MerchantId, policy: NegativeBalancePolicy
) -> tuple[Leg, ...]:
    """Under ``DEDUCT_DEPOSIT``, the legs moving deposit to cover a negative available
    balance (as much as the deposit holds); empty when nothing is to be done."""
    if policy is not NegativeBalancePolicy.DEDUCT_DEPOSIT:
        return ()
    available_account = merchant_account(merchant_id, Bucket.AVAILABLE)
    deposit_account = merchant_account(merchant_id, Bucket.DEPOSIT)
    deficit = -owed(ledger, journal, available_account)
    cover = min(deficit, owed(ledger, journal, deposit_account))
    if cover <= 0:
        return ()
    return ((deposit_account, cover), (available_account, -cover))


# -- statements ------------------------------------------------------------------------


@attrs.frozen
class StatementLine:
    order_id: str
    completed_on: date
    amount: Money


@attrs.frozen
class StatementIssued(DomainEvent):
    statement_id: StatementId
    merchant_id: MerchantId
    total: Money
    at: datetime


@attrs.define(kw_only=True)
class SettlementStatement(Aggregate):
    """One settlement run for one merchant: the orders it settled, their total, and the
    available balance before and after (a negative balance before is offset first)."""

    id: StatementId
    merchant_id: MerchantId
    as_of: date
    cycle: SettlementCycle
    lines: tuple[StatementLine, ...]
    total: Money
    available_before: Money
    available_after: Money
    entry_key: str | None  # the ledger entry that settled it (none for a zero total)
    issued_at: datetime

    @property
    def offset(self) -> Money:
        """How much of the total went to cover a negative available balance."""
        deficit = (-self.available_before).max(Money.zero(self.total.currency))
        return deficit.min(self.total)

    @classmethod
    def issue(
        cls,
        *,
        statement_id: StatementId,
        account: MerchantAccount,
        as_of: date,
        lines: Sequence[StatementLine],
        available_before: Money,
        entry_key: str | None,
        at: datetime,
    ) -> SettlementStatement:
        lines = tuple(lines)
        if not lines:
            raise NothingToSettle(f"merchant {account.id!r} has no order due on {as_of}")
        total = Money.sum((line.amount for line in lines), account.currency)
        statement = cls(
            id=statement_id,
            merchant_id=account.id,
            as_of=as_of,
            cycle=account.terms.cycle,
            lines=lines,
            total=total,
            available_before=available_before,
            available_after=available_before + total,
            entry_key=entry_key,
            issued_at=at,
        )
        statement.record(StatementIssued(statement_id, account.id, total, at))
        return statement

    def check_same_run(self, merchant_id: MerchantId, as_of: date) -> None:
        """A replayed run must be the same one (:class:`IdempotencyConflict`)."""
        if (self.merchant_id, self.as_of) != (merchant_id, as_of):
            raise IdempotencyConflict(f"statement {self.id!r} was another run")

    def check_reader(self, actor: MerchantId) -> None:
        if actor != self.merchant_id:
            raise NotYourMerchant(
                f"statement {self.id!r} belongs to merchant {self.merchant_id!r}, not {actor!r}"
            )


# -- withdrawals -----------------------------------------------------------------------


class WithdrawalState(enum.Enum):
    PENDING = "pending"  # reserved in the ledger, waiting for the bank
    HELD = "held"  # reserved in the ledger, waiting for a risk review (not yet sent)
    PAID = "paid"
    FAILED = "failed"


@attrs.frozen
class WithdrawalRequested(DomainEvent):
    withdrawal_id: WithdrawalId
    merchant_id: MerchantId
    amount: Money
    at: datetime


@attrs.frozen
class WithdrawalPaid(DomainEvent):
    withdrawal_id: WithdrawalId
    merchant_id: MerchantId
    amount: Money
    reference: str
    at: datetime


@attrs.frozen
class WithdrawalFailed(DomainEvent):
    withdrawal_id: WithdrawalId
    merchant_id: MerchantId
    amount: Money
    reason: str
    at: datetime


_W = WithdrawalState

WITHDRAWAL_FLOW: StateMachine[WithdrawalState] = StateMachine(
    "withdrawal",
    [
        (_W.PENDING, "pay", _W.PAID),
        (_W.PENDING, "fail", _W.FAILED),
        (_W.HELD, "release", _W.PENDING),
        (_W.HELD, "fail", _W.FAILED),
    ],
)


@attrs.define(kw_only=True)
class Withdrawal(Aggregate):
    """Money leaving for a merchant's bank account: a pending ledger entry (``entry_key``)
    until the payout port answers, then posted (paid) or voided (failed). A withdrawal the
    risk screen holds starts ``HELD`` (reserved, not sent): released it goes on as pending,
    rejected it fails (the entry voided, the money back on the balance)."""

    id: WithdrawalId
    merchant_id: MerchantId
    amount: Money
    bank_account: str
    requested_on: date
    entry_key: str
    status: WithdrawalState = WithdrawalState.PENDING
    reference: str | None = None
    reason: str | None = None

    @classmethod
    def request(
        cls,
        *,
        withdrawal_id: WithdrawalId,
        merchant_id: MerchantId,
        amount: Money,
        bank_account: str,
        entry_key: str,
        at: datetime,
        held: bool = False,
    ) -> Withdrawal:
        require_text(withdrawal_id, "withdrawal id")
        require_text(bank_account, "bank account")
        withdrawal = cls(
            id=withdrawal_id,
            merchant_id=merchant_id,
            amount=amount,
            bank_account=bank_account,
            requested_on=require_aware(at).date(),
            entry_key=entry_key,
            status=WithdrawalState.HELD if held else WithdrawalState.PENDING,
        )
        withdrawal.record(WithdrawalRequested(withdrawal_id, merchant_id, amount, at))
        return withdrawal

    @property
    def payout_key(self) -> str:
        """The idempotency key of the payout: one withdrawal is paid at most once."""
        return f"{self.id}/payout"

    def same_request(self, merchant_id: MerchantId, amount: Money, bank_account: str) -> bool:
        return (self.merchant_id, self.amount, self.bank_account) == (
            merchant_id,
            amount,
            bank_account,
        )

    def mark_paid(self, reference: str, at: datetime) -> None:
        WITHDRAWAL_FLOW.target(self.status, "pay")
        require_text(reference, "payout reference")
        self.reference = reference
        WITHDRAWAL_FLOW.move(
            self, "pay", WithdrawalPaid(self.id, self.merchant_id, self.amount, reference, at)
        )

    def release(self) -> None:
        """A held withdrawal approved by its review: pending, to be sent to the bank."""
        self.status = WITHDRAWAL_FLOW.target(self.status, "release")

    def mark_failed(self, reason: str, at: datetime) -> None:
        WITHDRAWAL_FLOW.target(self.status, "fail")
        require_text(reason, "failure reason")
        self.reason = reason
        WITHDRAWAL_FLOW.move(
            self, "fail", WithdrawalFailed(self.id, self.merchant_id, self.amount, reason, at)
        )


# -- other movements of merchant money -------------------------------------------------


def recharge_legs(merchant_id: MerchantId, channel: str, amount: Money) -> tuple[Leg, ...]:
    """The merchant tops up its marketing balance: Dr cash / Cr merchant marketing."""
    units = amount.minor
    return (
        (cash_account(channel), units),
        (merchant_account(merchant_id, Bucket.MARKETING), -units),
    )


def marketing_spend_legs(merchant_id: MerchantId, amount: Money) -> tuple[Leg, ...]:
    units = amount.minor
    return ((merchant_account(merchant_id, Bucket.MARKETING), units), (MARKETING, -units))


def deposit_legs(merchant_id: MerchantId, channel: str, amount: Money) -> tuple[Leg, ...]:
    units = amount.minor
    return (
        (cash_account(channel), units),
        (merchant_account(merchant_id, Bucket.DEPOSIT), -units),
    )


def penalty_legs(merchant_id: MerchantId, amount: Money) -> tuple[Leg, ...]:
    units = amount.minor
    return ((merchant_account(merchant_id, Bucket.DEPOSIT), units), (PENALTIES, -units))


def settlement_legs(merchant_id: MerchantId, amount: Money) -> tuple[Leg, ...]:
    units = amount.minor
    return (
        (merchant_account(merchant_id, Bucket.PENDING), units),
        (merchant_account(merchant_id, Bucket.AVAILABLE), -units),
    )


def presettlement_legs(merchant_id: MerchantId, amount: Money, fee: Money) -> tuple[Leg, ...]:
    return _combine(
        [
            (merchant_account(merchant_id, Bucket.PENDING), amount.minor),
            (merchant_account(merchant_id, Bucket.AVAILABLE), fee.minor - amount.minor),
            (FEES, -fee.minor),
        ]
    )


def refund_paid_legs(channel: str, amount: Money) -> tuple[Leg, ...]:
    """The channel paid a refund (or a compensation) back: Dr refunds / Cr its cash."""
    units = amount.minor
    return ((REFUNDS, units), (cash_account(channel), -units))


def compensation_legs(merchant_id: MerchantId, amount: Money) -> tuple[Leg, ...]:
    """Compensation to a customer charged to the merchant: Dr merchant available / Cr
    refunds (the channel then pays it out like a refund)."""
    units = amount.minor
    return ((merchant_account(merchant_id, Bucket.AVAILABLE), units), (REFUNDS, -units))


def platform_goodwill_legs(amount: Money) -> tuple[Leg, ...]:
    """A refund outside after-sales that the platform funds: Dr subsidy (the platform's
    expense) / Cr refunds (the channel then pays it out like a refund); no merchant leg."""
    units = _require_money(amount, amount.currency, "platform goodwill", positive=True).minor
    return ((SUBSIDY, units), (REFUNDS, -units))


def goodwill_reimbursed_legs(amount: Money) -> tuple[Leg, ...]:
    """A later refund charged the merchant a part the platform's goodwill had already paid
    the customer: that part goes back to the platform, Dr refunds / Cr subsidy."""
    units = amount.minor
    return ((REFUNDS, units), (SUBSIDY, -units))


def withdrawal_legs(merchant_id: MerchantId, amount: Money) -> tuple[Leg, ...]:
    units = amount.minor
    return (
        (merchant_account(merchant_id, Bucket.AVAILABLE), units),
        (cash_account(PAYOUT_CHANNEL), -units),
    )


def final_settlement_legs(
    ledger: Ledger, journal: Journal, merchant_id: MerchantId
) -> tuple[Leg, ...]:
    """Closing: the deposit and the marketing balance return to the available balance."""
    moved = [
        (account, owed(ledger, journal, account))
        for account in (
            merchant_account(merchant_id, Bucket.DEPOSIT),
            merchant_account(merchant_id, Bucket.MARKETING),
        )
    ]
    total = sum(units for _, units in moved)
    return _combine([*moved, (merchant_account(merchant_id, Bucket.AVAILABLE), -total)])


# -- reconciliation --------------------------------------------------------------------


@attrs.frozen
class OrderFigures:
    """One order as the ledger has it: paid = merchants + commission - subsidy + refunded
    + in transit."""

    order_id: str
    paid: int
    merchants: int
    commission: int
    subsidy: int
    refunded: int
    in_transit: int

    @property
    def balanced(self) -> bool:
        return self.paid == (
            self.merchants + self.commission - self.subsidy + self.refunded + self.in_transit
        )


@attrs.frozen
class ReconciliationReport:
    entries: int
    accounts: int
    orders: tuple[OrderFigures, ...]
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def order_figures(order_id: str, entries: Iterable[Entry]) -> OrderFigures:
    """Sum the posted ``entries`` booked against ``order_id`` by the role of each account."""
    paid = merchants = commission = subsidy = refunded = in_transit = 0
    for entry in entries:
        if entry.ref != order_id or entry.phase is not Phase.POSTED:
            continue
        for account, amount in entry.legs:
            role = account.role
            if role is Role.MERCHANT:
                merchants -= amount
            elif role is Role.COMMISSION:
                commission -= amount
            elif role is Role.SUBSIDY:
                subsidy += amount
            elif role is Role.REFUNDS and amount < 0:
                refunded -= amount
            elif role is Role.TRANSIT:
                in_transit -= amount
            elif role is Role.CASH and entry.kind is EntryKind.ORDER_PAID:
                paid += amount
    return OrderFigures(order_id, paid, merchants, commission, subsidy, refunded, in_transit)


def reconcile(
    ledger: Ledger,
    journal: Journal,
    clearings: Iterable[OrderClearing] = (),
    deposits: Mapping[MerchantId, Money] | None = None,
) -> ReconciliationReport:
    """Check the books: ``ledger`` and its ``journal`` (see docs/settlement.md,
    "Reconciliation"):

    every entry balances and names open accounts; every account's stored balance equals
    what its entries add up to; all balances sum to zero; every paid order is fully
    accounted for and agrees with its clearing record; and (given ``deposits``, merchant
    -> deposit held) each merchant's deposit account agrees with the merchant's record.
    Reads the whole journal once.
    """
    problems: list[str] = []
    recomputed: dict[AccountId, list[int]] = {}
    by_ref: dict[str, list[Entry]] = {}
    count = 0
    for entry in journal.entries():
        count += 1
        by_ref.setdefault(entry.ref, []).append(entry)
        if sum(amount for _, amount in entry.legs):
            problems.append(f"entry {entry.key!r} does not balance")
        for account, *moves in counter_moves(entry):
            if not ledger.has_account(account):
                problems.append(f"entry {entry.key!r} moves {account}, no account of the book")
            counters = recomputed.setdefault(account, [0, 0, 0, 0])
            for i, amount in enumerate(moves):
                counters[i] += amount
    balances = ledger.balances(journal)
    for account, stored in journal.balances().items():
        if account not in balances:
            problems.append(f"account {account} holds {stored} but is no account of the book")
    for account, stored in balances.items():
        debits, credits, pending_debits, pending_credits = recomputed.get(account, (0, 0, 0, 0))
        summed = Balance.of(debits, credits, pending_debits, pending_credits)
        if summed != stored:
            problems.append(f"account {account}: holds {stored}, its entries give {summed}")
    total = sum(balance.posted for balance in balances.values())
    if total:
        problems.append(f"the balances sum to {total}, not 0")
    orders: list[OrderFigures] = []
    for clearing in clearings:
        figures = order_figures(clearing.id, by_ref.get(clearing.id, ()))
        orders.append(figures)
        if not figures.balanced:
            problems.append(f"order {clearing.id}: {figures} is not fully accounted for")
        completed = clearing.status is ClearingState.COMPLETED
        expected = (
            clearing.paid.minor,
            sum(clearing.net_owed(m).minor for m in clearing.merchants) if completed else 0,
            clearing.net_commission.minor if completed else 0,
            clearing.net_subsidy.minor if completed else 0,
            clearing.refunded.minor,
        )
        found = (
            figures.paid,
            figures.merchants,
            figures.commission,
            figures.subsidy,
            figures.refunded,
        )
        if expected != found:
            problems.append(f"order {clearing.id}: clearing says {expected}, ledger {found}")
    for merchant_id, held in (deposits or {}).items():
        account = merchant_account(merchant_id, Bucket.DEPOSIT)
        if not ledger.has_account(account):
            problems.append(f"merchant {merchant_id} holds {held} but has no deposit account")
        elif ledger.money(owed(ledger, journal, account)) != held:
            problems.append(
                f"merchant {merchant_id}: deposit {held} on record, "
                f"{ledger.money(owed(ledger, journal, account))} in the ledger"
            )
    return ReconciliationReport(
        entries=count,
        accounts=len(balances),
        orders=tuple(orders),
        problems=tuple(problems),
    )
