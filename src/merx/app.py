"""Composition root: wire every context's use cases to adapters.

``build_memory_app()`` returns a ready, fully in-memory merx: the message bus with every
command registered, a steppable clock, sequential ids, an event log, one in-memory
gateway per payment channel and an in-memory logistics network. Hosts with real
infrastructure write their own ``build_app`` the same way, passing their adapters.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from functools import partial
from typing import Any, TypeVar

import attrs

from merx import (
    aftersales,
    catalog,
    checkout,
    clearing,
    credit,
    customers,
    fulfillment,
    funding,
    inventory,
    invoicing,
    merchants,
    orders,
    payments,
    promotions,
    settlement,
    supply,
)
from merx.adapters.memory import (
    EventLog,
    FixedClock,
    MemoryChannelHealth,
    MemoryConsignmentChannel,
    MemoryCreditScorer,
    MemoryFunder,
    MemoryLogistics,
    MemoryOrderQueries,
    MemoryPaymentGateway,
    MemoryPaymentQueries,
    MemoryPayout,
    MemoryStore,
    MemoryTransactionRisk,
    MemoryUnitOfWork,
    MemoryVirtualGoodsSupplier,
    SequentialIds,
)
from merx.credit import CreditScorer
from merx.credit import services as credit_services
from merx.fulfillment import Logistics
from merx.funding import Funder
from merx.funding import services as funding_services
from merx.inventory import InventoryPolicy
from merx.kernel.bus import Command, MessageBus
from merx.kernel.clock import Clock
from merx.kernel.ids import CustomerId, IdSource
from merx.kernel.money import Money
from merx.kernel.uow import Keyed
from merx.payments import ChannelHealth, PaymentGateway, TransactionRisk
from merx.settlement import Payout
from merx.supply import ConsignmentChannel, VirtualGoodsSupplier

R = TypeVar("R")
A = TypeVar("A", bound=Keyed)

#: The payment channels of the seed: WeChat Pay, Alipay and a bound bank card.
DEFAULT_CHANNELS = ("wechat_pay", "alipay", "bank_card")


class VirtualSuppliers(dict[str, MemoryVirtualGoodsSupplier]):
    """Real-time suppliers by supplier id; in memory, one appears the first time it is
    asked for (a host passes the suppliers it has contracts with)."""

    def __missing__(self, supplier_id: str) -> MemoryVirtualGoodsSupplier:
        supplier = self[supplier_id] = MemoryVirtualGoodsSupplier(supplier_id)
        return supplier


@attrs.define
class MemoryApp:
    """A wired in-memory merx: send commands with :meth:`handle`, read with :meth:`get`."""

    bus: MessageBus
    store: MemoryStore
    clock: FixedClock
    ids: SequentialIds
    events: EventLog
    gateways: dict[str, MemoryPaymentGateway]
    logistics: MemoryLogistics
    order_policy: orders.OrderPolicy
    consignment: MemoryConsignmentChannel
    payout: MemoryPayout
    scorer: MemoryCreditScorer
    funders: dict[str, MemoryFunder]
    virtual_suppliers: VirtualSuppliers
    inventory: InventoryPolicy
    risk: MemoryTransactionRisk
    channel_health: MemoryChannelHealth
    offers: checkout.Offers = checkout.no_offers
    pricer: promotions.Pricer = promotions.quote

    def handle(self, command: Command[R]) -> R:
        return self.bus.handle(command)

    def unit_of_work(self) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self.store)

    def get(self, kind: type[A], key: str) -> A:
        """A read-only copy of the aggregate ``key`` of type ``kind``."""
        with self.unit_of_work() as uow:
            return uow.repo(kind).get(key)

    def quote(self, customer_id: CustomerId, payment_method: str | None = None) -> checkout.Quote:
        """The trial calculation of the customer's cart now, promotions included."""
        with self.unit_of_work() as uow:
            return checkout.quote_cart(
                uow,
                customer_id,
                at=self.clock.now(),
                offers=self.offers,
                payment_method=payment_method,
                pricer=self.pricer,
            )


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
    check_views: bool = True,
) -> MemoryApp:
    """Build a merx whose every port is an in-memory adapter.

    ``offers`` is where quotes find promotions: by default the campaigns in force and the
    customer's wallet (:func:`merx.orders.campaign_offers`). The platform's self-held funds
    (``self_held_funds``, 10,000,000 by default) finance installment orders no funder
    takes.

    The settlement ledger of ``currency`` is opened with a cash account per channel, and
    ``commission`` (5% by default) is the marketplace commission table.

    ``check_views`` makes the store verify that no read-only view of an aggregate is ever
    changed (see :class:`merx.adapters.memory.MemoryStore`); it costs time, so the
    benchmarks and the simulation turn it off.
    """
    clock = clock or FixedClock(datetime(2026, 1, 1, tzinfo=UTC))
    offers = offers or orders.campaign_offers
    store = MemoryStore(check_views=check_views)
    ids = SequentialIds()
    events = EventLog()
    gateways = {channel: MemoryPaymentGateway(channel) for channel in channels}
    logistics = MemoryLogistics()
    consignment = MemoryConsignmentChannel()
    payout = MemoryPayout()
    scorer = MemoryCreditScorer()
    funders: dict[str, MemoryFunder] = {}
    virtual_suppliers = VirtualSuppliers()
    risk = MemoryTransactionRisk()
    health = MemoryChannelHealth()
    policy = inventory_policy or InventoryPolicy()
    profit = profit_policy
    timing = order_policy or orders.OrderPolicy()
    bus = MessageBus(lambda: MemoryUnitOfWork(store), events)

    register_catalog(bus, policy=profit)
    pricer = promotions.QuoteMemo()
    register_shop(
        bus, clock=clock, ids=ids, stock_policy=policy, order_policy=timing, offers=offers,
        queries=MemoryOrderQueries(store), pricer=pricer,
    )  # fmt: skip
    finance = partial(
        payments.finance_installment_payment, clock=clock, ids=ids, scorer=scorer, funders=funders
    )
    register_cashier(
        bus, clock=clock, ids=ids, gateways=gateways, inventory=policy, risk=risk, health=health,
        finance=finance, queries=MemoryPaymentQueries(store),
    )  # fmt: skip
    bus.register(
        payments.SyncPayment, partial(payments.sync_payment, gateways=gateways, clock=clock)
    )
    bus.register(
        payments.HandlePaymentNotification,
        partial(payments.handle_payment_notification, gateways=gateways, clock=clock),
    )
    register_fulfillment(
        bus, clock=clock, logistics=logistics, consignment=consignment,
        suppliers=virtual_suppliers, gateways=gateways,
    )  # fmt: skip
    register_aftersales(
        bus, clock=clock, ids=ids, gateways=gateways, logistics=logistics,
        inventory_policy=policy, order_policy=timing,
    )  # fmt: skip

    register_supply(bus, clock=clock, ids=ids, channel=consignment)
    register_merchants(bus, clock=clock, ids=ids)
    register_settlement(bus, clock=clock, payout=payout)
    register_credit(bus, clock=clock, ids=ids, scorer=scorer)
    register_clearing(bus, clock=clock)
    register_promotions(bus, clock=clock)
    register_funding(bus, clock=clock, ids=ids, scorer=scorer, funders=funders)
    bus.register(
        payments.PayByInstallments,
        partial(
            payments.pay_by_installments, clock=clock, ids=ids, inventory=policy, scorer=scorer,
            funders=funders, risk=risk,
        ),
    )  # fmt: skip
    bus.subscribe(supply.ContractSigned, partial(supply.copy_costs_to_catalog, policy=profit))
    bus.handle(settlement.OpenLedger(currency, (*channels, payments.INSTALLMENTS, "payout")))
    bus.handle(
        funding.RegisterInvestor(
            funding.PLATFORM_FUNDER,
            "the platform's own funds",
            funding.FundingChannel.SELF_HELD,
            Decimal("0.00"),
            self_held_funds or Money.of("10000000.00", currency),
        )
    )
    bus.handle(
        settlement.SetCommissionTable(commission or settlement.CommissionTable(Decimal("0.05")))
    )
    return MemoryApp(
        bus=bus,
        store=store,
        clock=clock,
        ids=ids,
        events=events,
        gateways=gateways,
        logistics=logistics,
        order_policy=timing,
        consignment=consignment,
        payout=payout,
        scorer=scorer,
        funders=funders,
        virtual_suppliers=virtual_suppliers,
        inventory=policy,
        risk=risk,
        channel_health=health,
        offers=offers,
        pricer=pricer,
    )


def register_fulfillment(
    bus: MessageBus,
    *,
    clock: Clock,
    logistics: Logistics,
    consignment: ConsignmentChannel,
    suppliers: Mapping[str, VirtualGoodsSupplier],
    gateways: Mapping[str, PaymentGateway],
) -> None:
    """Shipping from our warehouses, by merchants and by consignment suppliers; top-ups."""
    bus.register(
        fulfillment.ShipOrder, partial(fulfillment.ship_order, logistics=logistics, clock=clock)
    )
    bus.register(
        fulfillment.ShipByMerchant,
        partial(fulfillment.ship_by_merchant, logistics=logistics, clock=clock),
    )
    bus.register(
        fulfillment.RouteConsignment,
        partial(fulfillment.route_consignment, channel=consignment, clock=clock),
    )
    bus.register(
        fulfillment.SyncConsignment,
        partial(
            fulfillment.sync_consignment, channel=consignment, logistics=logistics, clock=clock
        ),
    )
    bus.subscribe(
        orders.OrderPaid,
        partial(fulfillment.route_paid_consignment, channel=consignment, clock=clock),
    )
    bus.register(
        fulfillment.FulfillTopUp,
        partial(fulfillment.fulfill_topup, suppliers=suppliers, gateways=gateways, clock=clock),
    )
    bus.subscribe(
        orders.OrderPaid,
        partial(
            fulfillment.fulfill_paid_topup,
            suppliers=suppliers,
            gateways=gateways,
            clock=clock,
        ),
    )
    bus.register(
        fulfillment.SyncTracking,
        partial(fulfillment.sync_tracking, logistics=logistics, clock=clock),
    )


def register_promotions(bus: MessageBus, *, clock: Clock) -> None:
    """Campaign life cycles, enrolment, coupon wallets."""
    handlers: list[tuple[type[Command[Any]], Callable[..., Any]]] = [
        (promotions.CreateCampaign, promotions.create_campaign),
        (promotions.EditCampaign, promotions.edit_campaign),
        (promotions.SubmitCampaign, promotions.submit_campaign),
        (promotions.ApproveCampaign, promotions.approve_campaign),
        (promotions.RejectCampaign, promotions.reject_campaign),
        (promotions.ReviseCampaign, promotions.revise_campaign),
        (promotions.ScheduleCampaign, promotions.schedule_campaign),
        (promotions.CancelCampaign, promotions.cancel_campaign),
        (promotions.TickCampaigns, promotions.tick_campaigns),
        (promotions.EnrolSkus, promotions.enrol_skus),
        (promotions.ApproveEnrolments, promotions.approve_enrolments),
        (promotions.RejectEnrolments, promotions.reject_enrolments),
        (promotions.ClaimCoupon, promotions.claim_coupon),
        (promotions.ExpireWalletCoupons, promotions.expire_wallet_coupons),
    ]
    for command, handler in handlers:
        bus.register(command, partial(handler, clock=clock))
    bus.subscribe(orders.ParentOrderPaid, orders.consume_promotion_budgets)


def register_shop(
    bus: MessageBus,
    *,
    clock: Clock,
    ids: IdSource,
    stock_policy: InventoryPolicy,
    order_policy: orders.OrderPolicy,
    offers: checkout.Offers,
    queries: orders.OrderQueries | None = None,
    pricer: promotions.Pricer = promotions.quote,
) -> None:
    """Customers, stock, cart, placing and closing orders. ``queries`` answers the
    timers' searches (without it they load every order); ``pricer`` prices carts (a
    :class:`merx.promotions.QuoteMemo` shared with the checkout page saves the second
    pricing of a cart when its order is placed)."""
    bus.register(customers.RegisterCustomer, customers.register_customer)
    bus.register(customers.AddAddress, customers.add_address)
    bus.register(customers.VerifyCustomer, customers.verify_customer)
    bus.register(inventory.OpenWarehouse, inventory.open_warehouse)
    bus.register(inventory.ReceiveStock, inventory.receive_stock)
    bus.register(inventory.ReturnToStock, inventory.return_to_stock)
    bus.register(inventory.ExpireReservations, partial(inventory.expire_reservations, clock=clock))
    bus.register(checkout.AddToCart, checkout.add_to_cart)
    bus.register(checkout.SetCartQuantity, checkout.set_cart_quantity)
    bus.register(checkout.RemoveFromCart, checkout.remove_from_cart)
    bus.register(
        orders.PlaceOrder,
        partial(
            orders.place_order,
            clock=clock,
            ids=ids,
            inventory=stock_policy,
            offers=offers,
            pricer=pricer,
        ),
    )
    bus.register(orders.CancelOrder, partial(orders.cancel_order, clock=clock))
    bus.register(orders.ConfirmReceipt, partial(orders.confirm_receipt, clock=clock))
    bus.register(
        orders.CloseUnpaidOrders,
        partial(orders.close_unpaid_orders, clock=clock, policy=order_policy, queries=queries),
    )
    bus.register(
        orders.AutoConfirmReceipts,
        partial(orders.auto_confirm_receipts, clock=clock, policy=order_policy, queries=queries),
    )


def register_cashier(
    bus: MessageBus,
    *,
    clock: Clock,
    ids: IdSource,
    gateways: Mapping[str, PaymentGateway],
    inventory: InventoryPolicy,
    risk: TransactionRisk,
    health: ChannelHealth,
    rules: Sequence[payments.RoutingRule] = payments.DEFAULT_ROUTING,
    authentication: payments.AuthenticationPolicy | None = None,
    finance: payments.Finance | None = None,
    queries: payments.PaymentQueries | None = None,
) -> None:
    """Paying (routed or by a chosen channel, authenticated when risk asks), syncing,
    notifications; invoices. ``finance`` finances an installment payment once its payer
    is authenticated (:func:`merx.payments.finance_installment_payment`, bound);
    ``queries`` finds the payments whose authentication may have lapsed."""
    auth = authentication or payments.AuthenticationPolicy()
    bus.register(
        payments.PayOrder,
        partial(
            payments.pay_order, gateways=gateways, clock=clock, ids=ids, inventory=inventory,
            risk=risk, authentication=auth,
        ),
    )  # fmt: skip
    bus.register(
        payments.PayOrderRouted,
        partial(
            payments.pay_order_routed, gateways=gateways, clock=clock, ids=ids,
            inventory=inventory, rules=rules, health=health, risk=risk, authentication=auth,
        ),
    )  # fmt: skip
    bus.register(
        payments.AuthenticateTransaction,
        partial(
            payments.authenticate_transaction, gateways=gateways, clock=clock,
            inventory=inventory, risk=risk, finance=finance,
        ),
    )  # fmt: skip
    bus.register(
        payments.ExpirePaymentAuthentications,
        partial(payments.expire_payment_authentications, clock=clock, queries=queries),
    )
    for command, handler in (
        (invoicing.RequestInvoice, invoicing.request_invoice),
        (invoicing.IssueInvoice, invoicing.issue_invoice),
        (invoicing.ReissueInvoice, invoicing.reissue_invoice),
        (invoicing.VoidInvoice, invoicing.void_invoice),
    ):
        bus.register(command, partial(handler, clock=clock))
    bus.subscribe(orders.OrderClosed, partial(invoicing.void_invoice_of_closed_order, clock=clock))
    bus.subscribe(
        payments.RefundSucceeded, partial(invoicing.correct_invoices_after_refund, clock=clock)
    )


def register_clearing(bus: MessageBus, *, clock: Clock) -> None:
    """Marketplace orders, completions and refunds booked into the settlement ledger."""
    bus.subscribe(orders.OrderPaid, partial(clearing.book_paid_order, clock=clock))
    bus.subscribe(orders.OrderCompleted, partial(clearing.book_completed_order, clock=clock))
    bus.subscribe(
        aftersales.AfterSaleCompleted, partial(clearing.book_after_sale_refund, clock=clock)
    )


def register_aftersales(
    bus: MessageBus,
    *,
    clock: Clock,
    ids: IdSource,
    gateways: Mapping[str, PaymentGateway],
    logistics: Logistics,
    inventory_policy: InventoryPolicy,
    order_policy: orders.OrderPolicy,
) -> None:
    """After-sales: the customer's four requests, review, returns, inspection, refunds."""
    bus.register(aftersales.RequestRefund, partial(aftersales.request_refund, clock=clock, ids=ids))
    for command, handler in (
        (aftersales.RequestReturn, aftersales.request_return),
        (aftersales.RequestExchange, aftersales.request_exchange),
        (aftersales.RequestRefundOnly, aftersales.request_refund_only),
    ):
        bus.register(command, partial(handler, clock=clock, ids=ids, policy=order_policy))
    bus.register(
        aftersales.ApproveAfterSale,
        partial(aftersales.approve_after_sale, gateways=gateways, clock=clock),
    )
    bus.register(aftersales.RejectAfterSale, partial(aftersales.reject_after_sale, clock=clock))
    bus.register(
        aftersales.SendReturn, partial(aftersales.send_return, logistics=logistics, clock=clock)
    )
    bus.register(
        aftersales.InspectReturn,
        partial(
            aftersales.inspect_return,
            gateways=gateways,
            logistics=logistics,
            inventory=inventory_policy,
            clock=clock,
        ),
    )
    bus.register(
        aftersales.SyncAfterSaleRefund,
        partial(aftersales.sync_after_sale_refund, gateways=gateways, clock=clock),
    )
    bus.register(
        aftersales.ShipReplacement,
        partial(aftersales.ship_replacement, gateways=gateways, logistics=logistics, clock=clock),
    )


def register_catalog(bus: MessageBus, *, policy: catalog.ProfitPolicy) -> None:
    """The catalog: categories, brands, SPUs, SKUs, listing under ``policy``, placement."""
    plain: list[tuple[type[Command[Any]], Callable[..., Any]]] = [
        (catalog.AddCategory, catalog.add_category),
        (catalog.RenameCategory, catalog.rename_category),
        (catalog.MoveCategory, catalog.move_category),
        (catalog.CreateBrand, catalog.create_brand),
        (catalog.CreateSpu, catalog.create_spu),
        (catalog.AddSpecValue, catalog.add_spec_value),
        (catalog.UpdateSpuContent, catalog.update_spu_content),
        (catalog.SetSpuLabels, catalog.set_spu_labels),
        (catalog.CreateSku, catalog.create_sku),
        (catalog.CreateSkuFromSpu, catalog.create_sku_from_spu),
        (catalog.DelistSku, catalog.delist_sku),
        (catalog.SetSalesRestrictions, catalog.set_sales_restrictions),
        (catalog.SetSkuLabels, catalog.set_sku_labels),
        (catalog.SetInstallmentEligible, catalog.set_installment_eligible),
        (catalog.PlaceSku, catalog.place_sku),
        (catalog.RemovePlacement, catalog.remove_placement),
    ]
    with_policy: list[tuple[type[Command[Any]], Callable[..., Any]]] = [
        (catalog.ListSku, catalog.list_sku),
        (catalog.ChangePrice, catalog.change_price),
        (catalog.SetPurchaseCost, catalog.set_purchase_cost),
    ]
    for command, handler in plain:
        bus.register(command, handler)
    for command, handler in with_policy:
        bus.register(command, partial(handler, policy=policy))


def register_merchants(bus: MessageBus, *, clock: Clock, ids: IdSource) -> None:
    """Every merchants command, bound to its ports."""
    with_clock: list[tuple[type[Command[Any]], Callable[..., Any]]] = [
        (merchants.AddMerchantDocument, merchants.add_merchant_document),
        (merchants.RemoveMerchantDocument, merchants.remove_merchant_document),
        (merchants.SetGoodsScope, merchants.set_goods_scope),
        (merchants.SubmitMerchantApplication, merchants.submit_merchant_application),
        (merchants.ReapplyMerchant, merchants.reapply_merchant),
        (merchants.OpenStore, merchants.open_store),
        (merchants.ReviewMerchantDocument, merchants.review_merchant_document),
        (merchants.ApproveMerchant, merchants.approve_merchant),
        (merchants.RejectMerchant, merchants.reject_merchant),
        (merchants.ChangeGoodsScope, merchants.change_goods_scope),
        (merchants.RecordMerchantPerformance, merchants.record_merchant_performance),
        (merchants.SuspendMerchant, merchants.suspend_merchant),
        (merchants.ReinstateMerchant, merchants.reinstate_merchant),
        (merchants.StartClosingMerchant, merchants.start_closing_merchant),
    ]
    for command, handler in with_clock:
        bus.register(command, partial(handler, clock=clock))
    bus.register(merchants.ApplyMerchant, partial(merchants.apply_merchant, clock=clock, ids=ids))


def register_settlement(bus: MessageBus, *, clock: Clock, payout: Payout) -> None:
    """Every settlement command, bound to its ports."""
    with_clock: list[tuple[type[Command[Any]], Callable[..., Any]]] = [
        (settlement.SetCommissionTable, settlement.set_commission_table),
        (settlement.OpenMerchantAccount, settlement.open_merchant_account),
        (settlement.ChangeSettlementTerms, settlement.change_settlement_terms),
        (settlement.BookOrderPayment, settlement.book_order_payment),
        (settlement.CompleteOrder, settlement.complete_order),
        (settlement.BookRefund, settlement.book_refund),
        (settlement.CompensateCustomer, settlement.compensate_customer),
        (settlement.RunSettlement, settlement.run_settlement),
        (settlement.PayDeposit, settlement.pay_deposit),
        (settlement.DeductDeposit, settlement.deduct_deposit),
        (settlement.Recharge, settlement.recharge),
        (settlement.ChargeMarketing, settlement.charge_marketing),
        (settlement.PreSettle, settlement.pre_settle),
        (settlement.SettleFinally, settlement.settle_finally),
        (settlement.CloseMerchant, settlement.close_merchant),
    ]
    for command, handler in with_clock:
        bus.register(command, partial(handler, clock=clock))
    bus.register(settlement.OpenLedger, settlement.open_ledger)
    for command, handler in (
        (settlement.RequestWithdrawal, settlement.request_withdrawal),
        (settlement.SyncWithdrawal, settlement.sync_withdrawal),
    ):
        bus.register(command, partial(handler, clock=clock, payout=payout))


def register_credit(bus: MessageBus, *, clock: Clock, ids: IdSource, scorer: CreditScorer) -> None:
    """Every credit command and its handler, with the keywords each needs."""
    plain: list[tuple[type[Command[Any]], Callable[..., Any]]] = [
        (credit.ChangeCreditLimit, credit_services.change_credit_limit),
        (credit.FreezeCreditAccount, credit_services.freeze_credit_account),
        (credit.UnfreezeCreditAccount, credit_services.unfreeze_credit_account),
        (credit.ActivateInstallmentPlan, credit_services.activate_installment_plan),
        (credit.CancelInstallmentPlan, credit_services.cancel_installment_plan),
        (credit.RefundHeldCredit, credit_services.refund_held_credit),
    ]
    with_clock: list[tuple[type[Command[Any]], Callable[..., Any]]] = [
        (credit.GrantTemporaryLimit, credit_services.grant_temporary_limit),
        (credit.GrantSpecialLimit, credit_services.grant_special_limit),
        (credit.RepayInstallmentPlan, credit_services.repay_installment_plan),
        (credit.RepayCredit, credit_services.repay_credit),
        (credit.PayOffInstallmentPlan, credit_services.pay_off_installment_plan),
        (credit.PrepayInstallmentPlan, credit_services.prepay_installment_plan),
        (credit.RefundInstallmentOrder, credit_services.refund_installment_order),
        (credit.RunBills, credit_services.run_bills),
    ]
    for command, handler in plain:
        bus.register(command, handler)
    for command, handler in with_clock:
        bus.register(command, partial(handler, clock=clock))
    bus.register(
        credit.ApplyForCredit,
        partial(credit_services.apply_for_credit, clock=clock, ids=ids, scorer=scorer),
    )
    bus.register(credit.ReassessCredit, partial(credit_services.reassess_credit, scorer=scorer))
    bus.register(
        credit.PurchaseOnInstallment,
        partial(credit_services.purchase_on_installment, clock=clock, ids=ids, scorer=scorer),
    )


def register_funding(
    bus: MessageBus,
    *,
    clock: Clock,
    ids: IdSource,
    scorer: CreditScorer,
    funders: Mapping[str, Funder],
) -> None:
    """Every funding command, and its subscribers to credit's events."""
    bus.register(funding.RegisterInvestor, funding_services.register_investor)
    bus.register(funding.ChangeInvestorQuota, funding_services.change_investor_quota)
    bus.register(
        funding.FundAsset, partial(funding_services.fund_asset, clock=clock, funders=funders)
    )
    bus.register(
        funding.FinanceInstallmentOrder,
        partial(
            funding_services.finance_installment_order,
            clock=clock,
            ids=ids,
            scorer=scorer,
            funders=funders,
        ),
    )
    bus.register(funding.RepurchaseAsset, partial(funding_services.repurchase_asset, clock=clock))
    bus.register(funding.SendAssetToCollection, funding_services.send_asset_to_collection)
    bus.register(
        funding.SellAssetPackage, partial(funding_services.sell_asset_package, clock=clock)
    )
    bus.subscribe(credit.InstallmentPlanPaidOff, funding_services.on_plan_paid_off)
    bus.subscribe(credit.InstallmentPlanRefunded, funding_services.on_plan_refunded)


def register_supply(
    bus: MessageBus, *, clock: Clock, ids: IdSource, channel: ConsignmentChannel
) -> None:
    """Every supply command, bound to its ports."""
    with_clock: list[tuple[type[Command[Any]], Callable[..., Any]]] = [
        (supply.AddQualificationDocument, supply.add_qualification_document),
        (supply.RemoveQualificationDocument, supply.remove_qualification_document),
        (supply.SubmitSupplierApplication, supply.submit_supplier_application),
        (supply.ReviewQualificationDocument, supply.review_qualification_document),
        (supply.ApproveSupplier, supply.approve_supplier),
        (supply.RejectSupplier, supply.reject_supplier),
        (supply.ReapplySupplier, supply.reapply_supplier),
        (supply.SuspendSupplier, supply.suspend_supplier),
        (supply.ReinstateSupplier, supply.reinstate_supplier),
        (supply.TerminateSupplier, supply.terminate_supplier),
        (supply.AddContractPrice, supply.add_contract_price),
        (supply.SignContract, supply.sign_contract),
        (supply.TerminateContract, supply.terminate_contract),
        (supply.ApprovePurchaseOrder, supply.approve_purchase_order),
        (supply.CancelPurchaseOrder, supply.cancel_purchase_order),
        (supply.ClosePurchaseOrder, supply.close_purchase_order),
        (supply.ReceivePurchaseOrder, supply.receive_purchase_order),
        (supply.ConfirmSupplierStatement, supply.confirm_supplier_statement),
        (supply.PaySupplierStatement, supply.pay_supplier_statement),
    ]
    with_clock_and_ids: list[tuple[type[Command[Any]], Callable[..., Any]]] = [
        (supply.ApplySupplier, supply.apply_supplier),
        (supply.DraftContract, supply.draft_contract),
        (supply.DraftPurchaseOrder, supply.draft_purchase_order),
        (supply.IssuePurchasesStatement, supply.issue_purchases_statement),
        (supply.IssueSalesStatement, supply.issue_sales_statement),
    ]
    for command, handler in with_clock:
        bus.register(command, partial(handler, clock=clock))
    for command, handler in with_clock_and_ids:
        bus.register(command, partial(handler, clock=clock, ids=ids))
    bus.register(
        supply.PushConsignmentOrder, partial(supply.push_consignment_order, channel=channel)
    )
