"""The in-memory merx: every port wired to an in-memory adapter (tests, examples, demos)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import attrs

from merx import (
    catalog,
    checkout,
    decisions,
    installments,
    orders,
    payments,
    play,
    promotions,
    reach,
    search,
    settlement,
)
from merx.adapters.memory import (
    FixedClock,
    MemoryAfterSaleQueries,
    MemoryCommandRecordQueries,
    MemoryInstallmentQueries,
    MemoryOrderQueries,
    MemoryPaymentQueries,
    MemoryPointsQueries,
    MemoryPurchaseOrderQueries,
    MemoryReachQueries,
    MemoryReviewQueries,
    MemorySettlementQueries,
    MemoryStockQueries,
    MemoryStore,
    MemoryTrafficQueries,
    MemoryUnitOfWork,
    MemoryVault,
    MemoryVoucherCodeQueries,
    SequentialIds,
)
from merx.app.core import DEFAULT_CHANNELS, App, Queries, Settings, assemble, seed_reference_data
from merx.inventory import InventoryPolicy
from merx.kernel.money import Money
from merx.people import Vault


@attrs.define(kw_only=True)
class MemoryApp(App):
    """A wired in-memory merx; tests and examples script its adapters and clock."""

    store: MemoryStore
    clock: FixedClock
    ids: SequentialIds

    def unit_of_work(self) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self.store)


def build_memory_app(
    *,
    clock: FixedClock | None = None,
    channels: Sequence[str] = DEFAULT_CHANNELS,
    inventory_policy: InventoryPolicy | None = None,
    profit_policy: catalog.ProfitPolicy = catalog.AT_COST,
    order_policy: orders.OrderPolicy | None = None,
    offers: checkout.Offers | None = None,
    currency: str = "CNY",
    commission: settlement.CommissionTable | None = None,
    self_held_funds: Money | None = None,
    credit_product: installments.ProductSettings | None = None,
    refund_policy: payments.RefundPolicy | None = None,
    check_views: bool = True,
    tax_policy: catalog.TaxPolicy = catalog.INCLUSIVE,
    tag_catalog: decisions.TagCatalog | None = None,
    tag_values: decisions.TagValues | None = None,
    assigner: decisions.Assigner | None = None,
    decision_recording: decisions.DecisionRecording | None = None,
    vault: Vault | None = None,
    search_index: search.SearchIndex | None = None,
    reach_policy: reach.ReachPolicy | None = None,
    reach_on_shipment: bool = False,
    play_randomness: play.Randomness | None = None,
    risk_control: bool = False,
) -> MemoryApp:
    """Build a merx whose every port is an in-memory adapter.

    ``offers`` is where quotes find promotions: by default the campaigns in force and the
    customer's wallet (:func:`merx.promotions.campaign_offers`). The platform's self-held funds
    (``self_held_funds``, 10,000,000 by default) finance installment orders no funder
    takes.

    The settlement ledger of ``currency`` is opened with a cash account per channel, and
    ``commission`` (5% by default) is the marketplace commission table.

    ``credit_product`` is the installment credit product every plan opens with (late
    penalty, grace days, payoff fees, allocation orders; :class:`ProductSettings` by
    default); the app's ``calendar`` moves due dates off non-working days (none by default).

    ``tax_policy``: the tax rates by category and the mode (inclusive by default).

    ``refund_policy`` says how often and how soon :class:`merx.payments.RetryRefunds`
    tries a refund again before escalating it (:class:`merx.payments.RefundPolicy` by
    default: 5 attempts, 10 minutes doubling).

    Decisions read ``tag_catalog`` and ``tag_values`` (by default the user tags of
    ``merx.tags`` in this store), ask ``assigner`` for experiments' variations (by default
    those of ``merx.experiments`` here: :class:`merx.experiments.StoredAssigner`) and record the
    decisions ``decision_recording`` samples (none by default) in the event log.
    ``vault`` keeps customers' personal values (:class:`MemoryVault` by default, a dict
    apart from the store). ``search_index`` follows the catalog (``app.search``; a
    :class:`~merx.adapters.memory.search.MemorySearchIndex` by default).
    ``reach_policy``: the platform's reach caps, quiet hours and attribution window
    (:class:`merx.reach.ReachPolicy` by default); ``reach_on_shipment`` sends the reach
    campaigns triggered by ``order_shipped``. Lottery draws roll with ``play_randomness``
    (:class:`merx.play.HmacRandomness` by default). ``risk_control`` lets ``risk.payment``
    answer the cashier, ``risk.order`` decide placed orders, and ``risk.withdrawal``,
    ``risk.coupon_claim`` and ``risk.refund`` screen withdrawals, coupon claims and
    refunds before they happen (:mod:`merx.app.risk`).

    ``check_views`` makes the store verify that no read-only view of an aggregate is ever
    changed (see :class:`merx.adapters.memory.MemoryStore`); it costs time, so the
    benchmarks and the simulation turn it off.
    """
    settings = Settings(
        channels=channels,
        inventory_policy=inventory_policy or InventoryPolicy(),
        profit_policy=profit_policy,
        order_policy=order_policy or orders.OrderPolicy(),
        offers=offers or promotions.campaign_offers,
        currency=currency,
        commission=commission or Settings().commission,
        self_held_funds=self_held_funds,
        credit_product=credit_product or installments.ProductSettings(),
        tax_policy=tax_policy,
        refund_policy=refund_policy or payments.RefundPolicy(),
        tag_catalog=tag_catalog,
        tag_values=tag_values,
        assigner=assigner,
        decision_recording=decision_recording or decisions.DecisionRecording(),
        reach_policy=reach_policy or reach.ReachPolicy(),
        reach_on_shipment=reach_on_shipment,
        play_randomness=play_randomness,
        risk_control=risk_control,
    )
    store = MemoryStore(check_views=check_views)
    fixed = clock or FixedClock(datetime(2026, 1, 1, tzinfo=UTC))
    sequential = SequentialIds()
    app = assemble(
        lambda: MemoryUnitOfWork(store),
        clock=fixed,
        ids=sequential,
        settings=settings,
        queries=memory_queries(store),
        vault=vault if vault is not None else MemoryVault(),
        search_index=search_index,
    )
    memory = MemoryApp(
        store=store, **{**attrs.asdict(app, recurse=False), "clock": fixed, "ids": sequential}
    )
    seed_reference_data(memory, settings)
    return memory


def memory_queries(store: MemoryStore) -> Queries:
    """Every query port over ``store``'s committed snapshots."""
    return Queries(
        orders=MemoryOrderQueries(store),
        payments=MemoryPaymentQueries(store),
        installments=MemoryInstallmentQueries(store),
        stock=MemoryStockQueries(store),
        purchase_orders=MemoryPurchaseOrderQueries(store),
        settlement=MemorySettlementQueries(store),
        aftersales=MemoryAfterSaleQueries(store),
        vouchers=MemoryVoucherCodeQueries(store),
        command_records=MemoryCommandRecordQueries(store),
        points=MemoryPointsQueries(store),
        risk=MemoryReviewQueries(store),
        reach=MemoryReachQueries(store),
        traffic=MemoryTrafficQueries(store),
    )
