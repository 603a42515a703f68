"""Pre-sale orders (the seed's "pre-sale"; 定金 / 尾款): a deposit now, the balance later.

A seller lists a pre-sale of one of its SKUs (:class:`PresaleListing`): the terms are a
:class:`merx.promotions.Presale` (deposit, what the deposit is worth, the pre-sale price,
the deposit period and the balance window) and the rule for a balance left unpaid
(:class:`DepositRule`: the deposit is forfeited, or refunded).

A customer's purchase is a :class:`PresaleOrder`, which ties together two ordinary parent
orders that the cashier pays like any other:

* the **deposit**: a parent order (its id is the pre-sale order's id) holding one order of
  kind ``DEPOSIT`` (``merx.orders.model.DEPOSIT_FLOW``), whose line is the SKU at the
  deposit's unit price. It never ships; it holds the pre-sale's stock, under the inventory
  lock policy, exactly as a goods order would;
* the **balance**: placed in the window (``PlaceBalanceOrder``), a parent order holding
  the goods order that ships. Its line is the SKU at the pre-sale price, less the
  campaigns in force at balance time and less the deposit's value (a discount funded by
  the seller), so the goods order's net is exactly the balance. The deposit's stock moves
  to the goods order.

The deposit order completes when the balance is paid (the deposit is part of the sale),
or when it is forfeited; it closes when it is refunded.

Freight and tax (docs/orders.md, "Pre-sale orders"): each order's line carries the SKU's tax
rate and the tax on what that order charges for the goods (the deposit; the balance), added
on top in exclusive mode; the freight is charged with the balance, on the goods order that
ships. A deposit given back gives back its tax with it (:attr:`PresaleOrder.deposit_charged`).
"""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

import attrs

from merx.catalog import TaxMode
from merx.kernel.aggregate import Aggregate
from merx.kernel.errors import InvalidQuantity
from merx.kernel.events import DomainEvent
from merx.kernel.ids import CustomerId, MerchantId, OrderId
from merx.kernel.money import Money
from merx.kernel.state import StateMachine
from merx.kernel.validation import require_text
from merx.orders.errors import BalanceAlreadyPaid, BalanceNotOpen, DepositNotRefundable
from merx.promotions import InvalidPresale, Presale, PresaleQuote, presale_quote


class DepositRule(enum.Enum):
    """What becomes of a paid deposit when the balance is not paid in its window (or the
    customer cancels before paying it): kept by the seller, or refunded in full."""

    FORFEIT = "forfeit"
    REFUND = "refund"


@attrs.frozen
class PresaleListed(DomainEvent):
    listing_id: str
    seller: MerchantId
    sku: str
    rule: DepositRule
    at: datetime


@attrs.define(kw_only=True)
class PresaleListing(Aggregate):
    """A seller's pre-sale of one SKU: its terms, its rule for an unpaid balance and the
    most units one pre-sale order may take (``limit_per_order``, ``None``: no limit)."""

    id: str
    seller: MerchantId
    terms: Presale
    rule: DepositRule
    limit_per_order: int | None
    created_at: datetime

    @classmethod
    def create(
        cls,
        *,
        listing_id: str,
        seller: MerchantId,
        terms: Presale,
        rule: DepositRule,
        limit_per_order: int | None,
        at: datetime,
    ) -> PresaleListing:
        require_text(listing_id, "pre-sale listing id")
        if not isinstance(terms, Presale):
            raise InvalidPresale(f"pre-sale {listing_id!r}: terms must be a Presale, not {terms!r}")
        if not terms.deposit_value < terms.final_price:
            raise InvalidPresale(
                f"pre-sale {listing_id!r}: the deposit's value {terms.deposit_value} leaves no "
                f"balance to pay on the price {terms.final_price}"
            )
        if not isinstance(rule, DepositRule):
            raise InvalidPresale(f"pre-sale {listing_id!r}: rule must be a DepositRule")
        if limit_per_order is not None and (
            isinstance(limit_per_order, bool)
            or not isinstance(limit_per_order, int)
            or limit_per_order < 1
        ):
            raise InvalidPresale(
                f"pre-sale {listing_id!r}: limit_per_order must be a positive int, "
                f"not {limit_per_order!r}"
            )
        listing = cls(
            id=listing_id,
            seller=seller,
            terms=terms,
            rule=rule,
            limit_per_order=limit_per_order,
            created_at=at,
        )
        listing.record(PresaleListed(listing_id, seller, terms.sku, rule, at))
        return listing

    def quote(self, quantity: int, at: datetime) -> PresaleQuote:
        """Price a deposit of ``quantity`` units at ``at``: :class:`InvalidQuantity` below
        one or above the limit, ``PresaleNotOpen`` outside the deposit period."""
        if (
            self.limit_per_order is not None
            and isinstance(quantity, int)
            and quantity > self.limit_per_order
        ):
            raise InvalidQuantity(
                f"pre-sale {self.id!r} takes at most {self.limit_per_order} per order, "
                f"not {quantity}"
            )
        return presale_quote(self.terms, quantity, at)


class PresaleStatus(enum.Enum):
    AWAITING_DEPOSIT = "awaiting_deposit"
    AWAITING_BALANCE = "awaiting_balance"
    BALANCE_PENDING = "balance_pending"
    BALANCE_PAID = "balance_paid"
    FORFEITED = "forfeited"
    REFUNDING = "refunding"
    REFUNDED = "refunded"
    CANCELLED = "cancelled"


PRESALE_FLOW: StateMachine[PresaleStatus] = StateMachine(
    "pre-sale order",
    [
        (PresaleStatus.AWAITING_DEPOSIT, "pay deposit", PresaleStatus.AWAITING_BALANCE),
        (PresaleStatus.AWAITING_DEPOSIT, "cancel", PresaleStatus.CANCELLED),
        (PresaleStatus.AWAITING_BALANCE, "place balance", PresaleStatus.BALANCE_PENDING),
        (PresaleStatus.BALANCE_PENDING, "drop balance", PresaleStatus.AWAITING_BALANCE),
        (PresaleStatus.BALANCE_PENDING, "pay balance", PresaleStatus.BALANCE_PAID),
        (PresaleStatus.AWAITING_BALANCE, "forfeit", PresaleStatus.FORFEITED),
        (PresaleStatus.AWAITING_BALANCE, "refund", PresaleStatus.REFUNDING),
        (PresaleStatus.REFUNDING, "refunded", PresaleStatus.REFUNDED),
    ],
)

#: Why an unpaid balance ended a pre-sale order (the reason of its events).
BALANCE_UNPAID = "balance unpaid in its window"


@attrs.frozen
class PresaleOrderPlaced(DomainEvent):
    presale_id: OrderId
    listing_id: str
    customer_id: CustomerId
    quantity: int
    deposit: Money
    at: datetime


@attrs.frozen
class PresaleDepositPaid(DomainEvent):
    presale_id: OrderId
    payment_id: str
    amount: Money
    at: datetime


@attrs.frozen
class PresaleOrderCancelled(DomainEvent):
    presale_id: OrderId
    reason: str
    at: datetime


@attrs.frozen
class PresaleBalancePlaced(DomainEvent):
    presale_id: OrderId
    parent_id: OrderId
    balance: Money
    at: datetime


@attrs.frozen
class PresaleBalanceDropped(DomainEvent):
    presale_id: OrderId
    parent_id: OrderId
    at: datetime


@attrs.frozen
class PresaleBalancePaid(DomainEvent):
    presale_id: OrderId
    parent_id: OrderId
    payment_id: str
    at: datetime


@attrs.frozen
class PresaleDepositForfeited(DomainEvent):
    presale_id: OrderId
    deposit_order_id: OrderId
    amount: Money
    reason: str
    at: datetime


@attrs.frozen
class PresaleDepositRefundDue(DomainEvent):
    """The deposit is to be paid back in full (``merx.payments.refund_to_payer``)."""

    presale_id: OrderId
    deposit_order_id: OrderId
    payment_id: str
    refund_id: str
    amount: Money
    reason: str
    at: datetime


@attrs.frozen
class PresaleDepositRefunded(DomainEvent):
    presale_id: OrderId
    deposit_order_id: OrderId
    sku: str
    refund_id: str
    amount: Money
    at: datetime


@attrs.define(kw_only=True)
class PresaleOrder(Aggregate):
    """One customer's pre-sale purchase: its deposit, its balance, and how it ended.

    Its id is the deposit's parent order's id; ``deposit_order_id`` is the deposit order
    in it; ``balance_parent_id`` the balance's parent order while one is placed (each
    placement gets a new one: ``<id>-b<n>``), ``goods_order_id`` the goods order in it.
    """

    id: OrderId
    listing_id: str
    customer_id: CustomerId
    seller: MerchantId
    quote: PresaleQuote
    rule: DepositRule
    deposit_order_id: OrderId
    placed_at: datetime
    status: PresaleStatus = PresaleStatus.AWAITING_DEPOSIT
    deposit_payment_id: str | None = None
    balance_parent_id: OrderId | None = None
    goods_order_id: OrderId | None = None
    balances_placed: int = 0
    balance_payment_id: str | None = None
    ended_at: datetime | None = None
    #: After-sales on the goods order once the balance is paid: (case id, units), each
    #: case's units refunding their share of the deposit.
    returns: tuple[tuple[str, int], ...] = ()
    #: the deposit's tax (``None``: none, as in orders stored before tax) and whether it
    #: was added on top of the deposit (exclusive) or is part of it (inclusive)
    deposit_tax: Money | None = None
    tax_mode: TaxMode = TaxMode.INCLUSIVE

    @classmethod
    def place(
        cls,
        *,
        presale_id: OrderId,
        listing: PresaleListing,
        customer_id: CustomerId,
        quantity: int,
        at: datetime,
        tax_rate: Decimal = Decimal(0),
        tax_mode: TaxMode = TaxMode.INCLUSIVE,
    ) -> PresaleOrder:
        """Price the deposit (:meth:`PresaleListing.quote` raises outside the deposit
        period or on a wrong quantity) and its tax at ``tax_rate`` under ``tax_mode``
        (:meth:`~merx.catalog.TaxMode.tax_on`, rounded half up once)."""
        quote = listing.quote(quantity, at)
        order = cls(
            id=presale_id,
            listing_id=listing.id,
            customer_id=customer_id,
            seller=listing.seller,
            quote=quote,
            rule=listing.rule,
            deposit_order_id=OrderId(f"{presale_id}-1"),
            placed_at=at,
            deposit_tax=tax_mode.tax_on(quote.deposit_due, tax_rate),
            tax_mode=tax_mode,
        )
        order.record(
            PresaleOrderPlaced(
                presale_id, listing.id, customer_id, quantity, order.deposit_charged, at
            )
        )
        return order

    @property
    def deposit_charged(self) -> Money:
        """What the deposit's order charges: the deposit, and its tax when it is added on
        top (exclusive mode); what a refund of the whole deposit gives back."""
        added = Money.zero(self.currency) if self.deposit_tax is None else self.deposit_tax
        return self.quote.deposit_due + self.tax_mode.added(added)

    @property
    def sku(self) -> str:
        return self.quote.sku

    @property
    def quantity(self) -> int:
        return self.quote.quantity

    @property
    def refund_id(self) -> str:
        """The deposit's refund id (one refund, in full, so a repeat reuses it)."""
        return f"{self.id}/deposit"

    def share_refund_id(self, case_id: str) -> str:
        """The refund id of the deposit's share refunded with after-sale ``case_id``."""
        return f"{self.id}/deposit/{case_id}"

    @staticmethod
    def of_share_refund(refund_id: str) -> str | None:
        """The pre-sale order whose deposit share ``refund_id`` refunds (the inverse of
        :meth:`share_refund_id`), ``None`` for any other refund."""
        presale_id, slash, rest = refund_id.partition("/deposit/")
        return presale_id if slash and rest and "/" not in presale_id else None

    @property
    def units_returned(self) -> int:
        return sum(units for _, units in self.returns)

    def deposit_share(self, units_before: int, units: int) -> Money:
        """What ``units`` more returned units refund of the deposit (with its tax when it
        was added on top), ``units_before`` having been returned: each unit's share of
        :attr:`deposit_charged` is fixed by
        :meth:`Money.allocate` (largest remainder, ties to the earlier unit), so the
        shares of every unit sum to the deposit exactly, however the returns come."""
        shares = self.deposit_charged.allocate([1] * self.quantity)
        return Money.sum(shares[units_before : units_before + units], self.currency)

    @property
    def currency(self) -> str:
        return self.quote.deposit_due.currency

    def units_refunded(self, case_id: str, units: int, at: datetime) -> Money | None:
        """After-sale ``case_id`` refunded ``units`` of the goods order once the balance
        was paid: their share of the deposit (:meth:`deposit_share`) is due back from the
        deposit's payment (:class:`PresaleDepositRefundDue`, refund id
        :meth:`share_refund_id`). Returns the share, or ``None`` when nothing changes (a
        replayed case, no unit, or a balance not paid)."""
        if self.status is not PresaleStatus.BALANCE_PAID or units <= 0:
            return None
        if any(case == case_id for case, _ in self.returns):
            return None
        before = self.units_returned
        assert before + units <= self.quantity, "the goods order refunds at most its units"
        assert self.deposit_payment_id is not None
        share = self.deposit_share(before, units)
        self.returns = (*self.returns, (case_id, units))
        if share.is_positive():  # a deposit of fewer cents than units leaves some at 0
            self.record(
                PresaleDepositRefundDue(
                    self.id, self.deposit_order_id, self.deposit_payment_id,
                    self.share_refund_id(case_id), share,
                    f"{units} of {self.quantity} returned (after-sale {case_id})", at,
                )
            )  # fmt: skip
        return share

    def owns_parent(self, parent_id: str) -> bool:
        """Whether ``parent_id`` is this pre-sale's deposit or current balance."""
        return parent_id in (self.id, self.balance_parent_id)

    def deposit_paid(self, payment_id: str, at: datetime) -> bool:
        """The deposit's parent order was paid; returns whether this changed anything (a
        replayed event does not)."""
        if self.deposit_payment_id == payment_id:
            return False
        self.deposit_payment_id = payment_id
        PRESALE_FLOW.move(
            self, "pay deposit", PresaleDepositPaid(self.id, payment_id, self.deposit_charged, at)
        )
        return True

    def cancel(self, reason: str, at: datetime) -> None:
        """The deposit's parent order was cancelled before it was paid."""
        self.ended_at = at
        PRESALE_FLOW.move(self, "cancel", PresaleOrderCancelled(self.id, reason, at))

    def check_balance_open(self, at: datetime) -> None:
        """Raise unless a balance may be placed at ``at``: :class:`BalanceAlreadyPaid`,
        an illegal transition (deposit unpaid, or the order ended), or
        :class:`BalanceNotOpen` outside ``[balance_starts, balance_ends)``."""
        if self.status is PresaleStatus.BALANCE_PAID:
            raise BalanceAlreadyPaid(f"pre-sale order {self.id!r}: the balance is already paid")
        PRESALE_FLOW.target(self.status, "place balance")
        if not self.quote.balance_open(at):
            raise BalanceNotOpen(
                f"pre-sale order {self.id!r}: the balance is paid from "
                f"{self.quote.balance_starts} until {self.quote.balance_ends}, not at {at}"
            )

    def next_balance_ids(self) -> tuple[OrderId, OrderId]:
        """The ids of the next balance's parent order and of its goods order."""
        parent = f"{self.id}-b{self.balances_placed + 1}"
        return OrderId(parent), OrderId(f"{parent}-1")

    def balance_placed(self, parent_id: OrderId, balance: Money, at: datetime) -> None:
        self.check_balance_open(at)
        expected, goods = self.next_balance_ids()
        assert parent_id == expected, "the balance takes the ids next_balance_ids gave"
        self.balance_parent_id = parent_id
        self.goods_order_id = goods
        self.balances_placed += 1
        PRESALE_FLOW.move(
            self, "place balance", PresaleBalancePlaced(self.id, parent_id, balance, at)
        )

    def balance_dropped(self, parent_id: str, at: datetime) -> bool:
        """The balance's parent order was cancelled unpaid: the balance may be placed
        again while the window is open. Returns whether ``parent_id`` was that balance."""
        if self.status is not PresaleStatus.BALANCE_PENDING or parent_id != self.balance_parent_id:
            return False
        self.balance_parent_id = None
        self.goods_order_id = None
        PRESALE_FLOW.move(
            self, "drop balance", PresaleBalanceDropped(self.id, OrderId(parent_id), at)
        )
        return True

    def balance_paid(self, parent_id: str, payment_id: str, at: datetime) -> bool:
        """The balance's parent order was paid; returns whether this changed anything."""
        if self.status is PresaleStatus.BALANCE_PAID or parent_id != self.balance_parent_id:
            return False
        self.balance_payment_id = payment_id
        self.ended_at = at
        PRESALE_FLOW.move(
            self, "pay balance", PresaleBalancePaid(self.id, OrderId(parent_id), payment_id, at)
        )
        return True

    def unpaid_after_window(self, now: datetime) -> bool:
        """The deposit is paid, the balance is not, and its window has closed."""
        waiting = self.status in (PresaleStatus.AWAITING_BALANCE, PresaleStatus.BALANCE_PENDING)
        return waiting and now >= self.quote.balance_ends

    def end_unpaid(self, now: datetime) -> bool:
        """The timer's rule: once the window has closed with the balance unpaid (and no
        balance pending: its parent order is cancelled first), the deposit is forfeited or
        refunded, per the listing's rule. Returns whether it ended; otherwise nothing
        changes."""
        if not (self.status is PresaleStatus.AWAITING_BALANCE and self.unpaid_after_window(now)):
            return False
        self._give_up(BALANCE_UNPAID, now)
        return True

    def withdraw(self, reason: str, at: datetime) -> None:
        """The customer cancels after paying the deposit, before the balance: refunded
        under :attr:`DepositRule.REFUND`, refused under ``FORFEIT``
        (:class:`DepositNotRefundable`: the deposit is forfeited when the window closes)."""
        self.check_withdraw()
        self._give_up(reason, at)

    def check_withdraw(self) -> None:
        """Raise unless :meth:`withdraw` may refund the deposit (a pending balance is
        cancelled first): an illegal transition once the order ended or before the deposit
        is paid, :class:`DepositNotRefundable` under the forfeit rule."""
        if self.status is not PresaleStatus.BALANCE_PENDING:
            PRESALE_FLOW.target(self.status, "refund")
        if self.rule is DepositRule.FORFEIT:
            raise DepositNotRefundable(
                f"pre-sale order {self.id!r}: the deposit is not refundable; it is forfeited "
                f"if the balance is not paid by {self.quote.balance_ends}"
            )

    def _give_up(self, reason: str, at: datetime) -> None:
        assert self.deposit_payment_id is not None
        self.ended_at = at
        amount = self.deposit_charged
        if self.rule is DepositRule.FORFEIT:
            event: DomainEvent = PresaleDepositForfeited(
                self.id, self.deposit_order_id, amount, reason, at
            )
            PRESALE_FLOW.move(self, "forfeit", event)
        else:
            event = PresaleDepositRefundDue(
                self.id, self.deposit_order_id, self.deposit_payment_id, self.refund_id,
                amount, reason, at,
            )  # fmt: skip
            PRESALE_FLOW.move(self, "refund", event)

    def refunded(self, at: datetime) -> bool:
        """The deposit's refund succeeded; returns whether this changed anything."""
        if self.status is not PresaleStatus.REFUNDING:
            return False
        PRESALE_FLOW.move(
            self,
            "refunded",
            PresaleDepositRefunded(
                self.id, self.deposit_order_id, self.sku, self.refund_id,
                self.deposit_charged, at,
            ),
        )  # fmt: skip
        return True
