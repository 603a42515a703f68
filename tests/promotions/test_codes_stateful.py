"""Concurrent voucher code redemptions against a reference model: a code is never used
more often than its set allows, a customer never uses a once-per-customer set twice, and
codes and claims together never take more coupons than the campaign's stock.

Each staging rule places an order with a code's coupon, or pays or cancels one (what
checkout stages: :func:`reserve_for_order`, :func:`consume_for_order`,
:func:`release_for_order`, which hold and settle the codes) in a fresh unit of work
loading the committed state, and leaves it open; another rule commits or drops an open
one; redemptions into the wallet and coupon claims run as whole commands in between. The
model predicts each stage (refused with which error, a no-op, or staged) and each commit:
a unit of work whose documents (the campaign, the code, the customer's use of the set, the
order's reservation and holds) were written by another commit since it loaded is refused
with ``ConcurrencyError`` and writes nothing. Always: every code's ``used`` and every
customer's use of a set equal the model's, within the limits; the orders' holds are the
model's; the campaign's claimed coupons and the coupons live orders took with a code equal
the model's, never above the stock.
"""

from __future__ import annotations

from typing import Any

import attrs
from hypothesis import event
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from merx import promotions
from merx.adapters.memory import MemoryUnitOfWork
from merx.errors import ConcurrencyError, IdempotencyConflict, IllegalTransition, MerxError
from merx.kernel.ids import PLATFORM, CustomerId, OrderId
from merx.promotions import (
    Campaign,
    CodeLimits,
    CouponStockExhausted,
    UnknownReservation,
    VoucherCode,
    VoucherCodeAlreadyUsed,
    VoucherCodeUsedUp,
)
from merx.promotions.codes import CodeSetUse, VoucherUsage, code_promotion_id, code_set_use_id
from tests.promotions.world import START, cny, coupon, make_world

CUSTOMERS = ("alice", "bob", "carol")
ORDERS = tuple(f"o{n}" for n in range(6))
#: set id -> (uses per code, once per customer, codes generated)
SETS = {"single": (1, False, 4), "shared": (3, True, 2)}
#: The coupons of the campaign (fewer than the codes' uses: shops hand out more codes).
STOCK = 6
CAMPAIGN: tuple[str, ...] = ("campaign",)


def _refusal_of(action: Any) -> MerxError | None:
    try:
        action()
    except MerxError as error:
        return error
    return None


def _expect(refused: MerxError | None, expected: type[MerxError] | None) -> None:
    if expected is None:
        assert refused is None, f"unexpected {refused!r}"
    else:
        assert isinstance(refused, expected), f"expected {expected.__name__}, got {refused!r}"
        event(f"refused: {expected.__name__}")


@attrs.define
class Hold:
    customer: str
    code: str
    state: str = "reserved"


@attrs.define
class Pending:
    uow: MemoryUnitOfWork
    loaded: dict[tuple[str, ...], int]  # each document it writes: its writes when loaded
    apply: Any  # the change to the model once committed; None for a no-op


class CodesMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.world = make_world()
        self.world.active(coupon("C1", "5.00"), limits=promotions.BudgetLimits(coupon_stock=STOCK))
        self.set_of: dict[str, str] = {}
        for set_id, (uses, once, count) in SETS.items():
            limits = CodeLimits(uses_per_code=uses, once_per_customer=once)
            self.world.handle(promotions.CreateCodeSet(set_id, "C1", PLATFORM, limits))
            for code in self.world.handle(promotions.GenerateVoucherCodes(set_id, count, PLATFORM)):
                self.set_of[code] = set_id
        self.codes = sorted(self.set_of)
        self.uses: dict[str, int] = dict.fromkeys(self.codes, 0)  # live uses per code
        self.customer_uses: dict[tuple[str, str], int] = {}  # (set, customer) -> uses
        self.holds: dict[str, Hold] = {}
        self.claimed = 0  # coupons claimed into wallets, by a claim or a code
        self.writes: dict[tuple[str, ...], int] = {}  # committed writes per document
        self.open: list[Pending] = []

    # -- the model -------------------------------------------------------------------

    def _stock_left(self) -> int:
        live = sum(1 for hold in self.holds.values() if hold.state != "released")
        return STOCK - self.claimed - live

    def _refusal(self, code: str, customer: str) -> type[MerxError] | None:
        set_id = self.set_of[code]
        uses, once, _ = SETS[set_id]
        if self.uses[code] >= uses:
            return VoucherCodeUsedUp
        if once and self.customer_uses.get((set_id, customer), 0) >= 1:
            return VoucherCodeAlreadyUsed
        return None

    def _documents(self, code: str, customer: str, order: str | None) -> list[tuple[str, ...]]:
        set_id = self.set_of[code]
        written: list[tuple[str, ...]] = [CAMPAIGN, ("code", code)]
        if SETS[set_id][1]:
            written.append(("use", set_id, customer))
        if order is not None:
            written.append(("usage", order))
        return written

    def _count(self, code: str, customer: str, by: int) -> None:
        self.uses[code] += by
        if SETS[self.set_of[code]][1]:
            key = (self.set_of[code], customer)
            self.customer_uses[key] = self.customer_uses.get(key, 0) + by

    def _stage(self, uow: MemoryUnitOfWork, written: list[tuple[str, ...]], apply: Any) -> None:
        loaded = {document: self.writes.get(document, 0) for document in written}
        self.open.append(Pending(uow, loaded, apply))

    # -- staging and redeeming -------------------------------------------------------

    @rule(
        order=st.sampled_from(ORDERS),
        customer=st.sampled_from(CUSTOMERS),
        index=st.integers(0, 5),
    )
    def stage_hold(self, order: str, customer: str, index: int) -> None:
        code = self.codes[index % len(self.codes)]
        held = self.holds.get(order)
        expected: type[MerxError] | None
        if held is not None:
            same = (held.customer, held.code) == (customer, code)
            expected = None if same else IdempotencyConflict
        elif self._stock_left() <= 0:
            expected = CouponStockExhausted
        else:
            expected = self._refusal(code, customer)
        uow = MemoryUnitOfWork(self.world.store)
        refused = _refusal_of(
            lambda: promotions.reserve_for_order(
                uow,
                OrderId(order),
                CustomerId(customer),
                {code_promotion_id("C1", code): cny("5.00")},
                at=START,
            )
        )
        _expect(refused, expected)
        if refused is not None:
            return
        if held is not None:
            self._stage(uow, [], None)  # a replay: nothing written
            return

        def apply() -> None:
            self.holds[order] = Hold(customer, code)
            self._count(code, customer, 1)

        self._stage(uow, self._documents(code, customer, order), apply)

    @rule(order=st.sampled_from(ORDERS), paid=st.booleans())
    def stage_settle(self, order: str, paid: bool) -> None:
        held = self.holds.get(order)
        target = "consumed" if paid else "released"
        uow = MemoryUnitOfWork(self.world.store)
        settle = promotions.consume_for_order if paid else promotions.release_for_order
        refused = _refusal_of(lambda: settle(uow, OrderId(order), ["C1"]))
        if held is None:
            _expect(refused, UnknownReservation)
            return
        if held.state not in {"reserved", target}:
            _expect(refused, IllegalTransition)
            return
        _expect(refused, None)
        if held.state == target:
            self._stage(uow, [], None)
            return

        def apply() -> None:
            held.state = target
            if not paid:
                self._count(held.code, held.customer, -1)

        documents = self._documents(held.code, held.customer, order)
        self._stage(uow, documents if not paid else [CAMPAIGN, ("usage", order)], apply)

    @rule(
        customer=st.sampled_from(CUSTOMERS),
        index=st.integers(0, 5),
        by_code=st.booleans(),
    )
    def into_the_wallet(self, customer: str, index: int, by_code: bool) -> None:
        """Redeem a code into the wallet, or claim a coupon without one."""
        expected: type[MerxError] | None
        if not by_code:
            expected = CouponStockExhausted if self._stock_left() <= 0 else None
            claim = promotions.ClaimCoupon(CustomerId(customer), "C1")
            refused = _refusal_of(lambda: self.world.handle(claim))
            _expect(refused, expected)
            if refused is None:
                self.claimed += 1
                self.writes[CAMPAIGN] = self.writes.get(CAMPAIGN, 0) + 1
                event("claimed")
            return
        code = self.codes[index % len(self.codes)]
        expected = self._refusal(code, customer)
        if expected is None and self._stock_left() <= 0:
            expected = CouponStockExhausted
        command = promotions.RedeemVoucherCode(CustomerId(customer), code)
        refused = _refusal_of(lambda: self.world.handle(command))
        _expect(refused, expected)
        if refused is not None:
            return
        self._count(code, customer, 1)
        self.claimed += 1
        for document in self._documents(code, customer, None):
            self.writes[document] = self.writes.get(document, 0) + 1
        event("redeemed into the wallet")

    # -- committing ------------------------------------------------------------------

    @precondition(lambda self: self.open)
    @rule(data=st.data())
    def commit_one(self, data: st.DataObject) -> None:
        pending = self.open.pop(data.draw(st.integers(0, len(self.open) - 1)))
        if pending.apply is None:
            pending.uow.commit()
            return
        stale = any(self.writes.get(d, 0) != n for d, n in pending.loaded.items())
        try:
            pending.uow.commit()
        except ConcurrencyError:
            assert stale, "a fresh unit of work was refused"
            event("stale unit of work refused")
            return
        assert not stale, "a stale unit of work committed"
        pending.apply()
        for document in pending.loaded:
            self.writes[document] = self.writes.get(document, 0) + 1
        event("change committed")

    @precondition(lambda self: self.open)
    @rule(data=st.data())
    def drop_one(self, data: st.DataObject) -> None:
        pending = self.open.pop(data.draw(st.integers(0, len(self.open) - 1)))
        pending.uow.rollback()

    # -- invariants ------------------------------------------------------------------

    @invariant()
    def never_over_a_limit_and_equal_to_the_model(self) -> None:
        with MemoryUnitOfWork(self.world.store) as uow:
            stored = {code: uow.repo(VoucherCode).get(code).used for code in self.codes}
            uses = {
                (set_id, customer): use.used
                for set_id in SETS
                for customer in CUSTOMERS
                if (use := uow.repo(CodeSetUse).find(code_set_use_id(set_id, customer)))
            }
            usages = [uow.repo(VoucherUsage).find(order) for order in ORDERS]
            ledger = uow.repo(Campaign).get("C1").ledger
        assert stored == self.uses
        assert all(used <= SETS[self.set_of[code]][0] for code, used in stored.items())
        assert {k: n for k, n in uses.items() if n} == {
            k: n for k, n in self.customer_uses.items() if n
        }
        assert all(n <= 1 for n in uses.values())  # once per customer
        holds = {
            usage.id: (usage.customer_id, hold.code, hold.state.value)
            for usage in usages
            if usage is not None
            for hold in usage.holds.values()
        }
        assert holds == {o: (h.customer, h.code, h.state) for o, h in self.holds.items()}
        live = sum(1 for hold in self.holds.values() if hold.state != "released")
        assert (ledger.claimed, ledger.code_coupons) == (self.claimed, live)
        assert ledger.claimed + ledger.code_coupons <= STOCK  # never over-issued
        if self._stock_left() == 0:
            event("stock all taken")


TestCodesMachine = CodesMachine.TestCase
