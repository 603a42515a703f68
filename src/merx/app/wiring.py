"""The ``register_*`` functions: each context's handlers and subscribers on a bus, with the
ports they need as keywords. A host's own composition root reuses them."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import partial
from typing import Any

from merx import (
    aftersales,
    catalog,
    checkout,
    credit,
    customers,
    decisions,
    experiments,
    fulfillment,
    funding,
    installments,
    inventory,
    invoicing,
    ledger,
    merchants,
    orders,
    payments,
    people,
    points,
    pricing,
    procurement,
    products,
    promotions,
    reach,
    search,
    settlement,
    suppliers,
    tags,
)
from merx.adapters.memory.search import MemorySearchIndex
from merx.adapters.system import SystemRandomSource
from merx.aftersales import services as aftersales_services
from merx.catalog import services as catalog_services
from merx.checkout import services as checkout_services
from merx.clearing import services as clearing_services
from merx.credit import CreditScorer
from merx.credit import services as credit_services
from merx.customers import services as customers_services
from merx.experiments import services as experiments_services
from merx.fulfillment import Logistics
from merx.fulfillment import services as fulfillment_services
from merx.funding import Funder
from merx.funding import services as funding_services
from merx.installments import services as installments_services
from merx.inventory import InventoryPolicy
from merx.inventory import services as inventory_services
from merx.invoicing import services as invoicing_services
from merx.kernel.bus import Command, MessageBus
from merx.kernel.clock import Clock
from merx.kernel.ids import IdSource
from merx.ledger import Journals
from merx.ledger import services as ledger_services
from merx.merchants import services as merchants_services
from merx.orders import presale_services
from merx.orders import services as orders_services
from merx.payments import ChannelHealth, PaymentGateway, TransactionRisk
from merx.payments import installments as payments_installments
from merx.payments import presale as payments_presale
from merx.payments import services as payments_services
from merx.people import Vault
from merx.people import services as people_services
from merx.points import services as points_services
from merx.procurement import services as procurement_services
from merx.products import services as products_services
from merx.promotions import services as promotions_services
from merx.promotions import vouchers as promotions_vouchers
from merx.reach import services as reach_services
from merx.search import services as search_services
from merx.settlement import Payout
from merx.settlement import services as settlement_services
from merx.suppliers import ConsignmentChannel, VirtualGoodsSupplier
from merx.suppliers import services as suppliers_services
from merx.tags import services as tags_services


def register_each(
    bus: MessageBus,
    handlers: Iterable[tuple[type[Command[Any]], Callable[..., Any]]],
    **bound: object,
) -> None:
    """Route each command of ``handlers`` to its handler, with ``bound`` given by keyword
    to every one of them (``partial(handler, **bound)``; the handler itself when nothing
    is bound): one call per group of handlers that take the same ports."""
    for command, handler in handlers:
        bus.register(command, partial(handler, **bound) if bound else handler)


def register_fulfillment(
    bus: MessageBus,
    *,
    clock: Clock,
    logistics: Logistics,
    consignment: ConsignmentChannel,
    suppliers: Mapping[str, VirtualGoodsSupplier],
    gateways: Mapping[str, PaymentGateway],
    vault: Vault,
) -> None:
    """Shipping from our warehouses, by merchants and by consignment suppliers; top-ups
    (their account revealed at ``vault`` for the supplier)."""
    bus.register(
        fulfillment.ShipOrder,
        partial(fulfillment_services.ship_order, logistics=logistics, clock=clock),
    )
    bus.register(
        fulfillment.ShipByMerchant,
        partial(fulfillment_services.ship_by_merchant, logistics=logistics, clock=clock),
    )
    bus.register(
        fulfillment.RouteConsignment,
        partial(fulfillment_services.route_consignment, channel=consignment, clock=clock),
    )
    bus.register(
        fulfillment.SyncConsignment,
        partial(
            fulfillment_services.sync_consignment,
            channel=consignment,
            logistics=logistics,
            clock=clock,
        ),
    )
    bus.subscribe(
        orders.OrderPaid,
        partial(fulfillment_services.route_paid_consignment, channel=consignment, clock=clock),
    )
    bus.register(
        fulfillment.FulfillTopUp,
        partial(
            fulfillment_services.fulfill_topup,
            suppliers=suppliers,
            gateways=gateways,
            clock=clock,
            vault=vault,
        ),
    )
    bus.subscribe(
        orders.OrderPaid,
        partial(
            fulfillment_services.fulfill_paid_topup,
            suppliers=suppliers,
            gateways=gateways,
            clock=clock,
            vault=vault,
        ),
    )
    bus.subscribe(payments.RefundSucceeded, fulfillment_services.close_refunded_topup)
    bus.register(
        fulfillment.SyncTracking,
        partial(fulfillment_services.sync_tracking, logistics=logistics, clock=clock),
    )


def register_people(bus: MessageBus, *, clock: Clock, ids: IdSource, vault: Vault) -> None:
    """Personal data sealed in ``vault``, and marketing consents."""
    for command, handler in (
        (people.RegisterPersonalData, people_services.register_personal_data),
        (people.ChangePhone, people_services.change_phone),
        (people.RemoveBankCard, people_services.remove_bank_card),
        (people.ForgetPersonalData, people_services.forget_personal_data),
    ):
        bus.register(command, partial(handler, vault=vault))
    bus.register(people.AddBankCard, partial(people_services.add_bank_card, vault=vault, ids=ids))
    bus.register(people.GrantConsent, partial(people_services.grant_consent, clock=clock))
    bus.register(people.WithdrawConsent, partial(people_services.withdraw_consent, clock=clock))


def register_promotions(
    bus: MessageBus,
    *,
    clock: Clock,
    random: promotions.RandomSource | None = None,
    audience: promotions.Audience | None = None,
    screen: promotions.ClaimScreen | None = None,
) -> None:
    """Campaign life cycles, enrolment, coupon wallets (a claim, and a voucher code redeemed
    or entered, asks ``audience`` of a campaign that names one; a claim is screened by
    ``screen``, risk control's when on), voucher codes (drawn from ``random``: by default
    the system's, :class:`~merx.adapters.system.SystemRandomSource`)."""
    handlers: list[tuple[type[Command[Any]], Callable[..., Any]]] = [
        (promotions.CreateCampaign, promotions_services.create_campaign),
        (promotions.EditCampaign, promotions_services.edit_campaign),
        (promotions.SubmitCampaign, promotions_services.submit_campaign),
        (promotions.ApproveCampaign, promotions_services.approve_campaign),
        (promotions.RejectCampaign, promotions_services.reject_campaign),
        (promotions.ReviseCampaign, promotions_services.revise_campaign),
        (promotions.ScheduleCampaign, promotions_services.schedule_campaign),
        (promotions.CancelCampaign, promotions_services.cancel_campaign),
        (promotions.TickCampaigns, promotions_services.tick_campaigns),
        (promotions.EnrolSkus, promotions_services.enrol_skus),
        (promotions.ApproveEnrolments, promotions_services.approve_enrolments),
        (promotions.RejectEnrolments, promotions_services.reject_enrolments),
        (promotions.ExpireWalletCoupons, promotions_services.expire_wallet_coupons),
        (promotions.CreateCodeSet, promotions_vouchers.create_code_set),
        (promotions.AddVoucherCodes, promotions_vouchers.add_voucher_codes),
        (promotions.RemoveVoucherCode, promotions_vouchers.remove_voucher_code),
    ]
    for command, handler in handlers:
        bus.register(command, partial(handler, clock=clock))
    bus.register(
        promotions.ClaimCoupon,
        partial(promotions_services.claim_coupon, clock=clock, audience=audience, screen=screen),
    )
    asking: list[tuple[type[Command[Any]], Callable[..., Any]]] = [
        (promotions.RedeemVoucherCode, promotions_vouchers.redeem_voucher_code),
        (promotions.EnterVoucherCode, promotions_vouchers.enter_voucher_code),
    ]  # each asks the audience of a campaign that names one
    for command, handler in asking:
        bus.register(command, partial(handler, clock=clock, audience=audience))
    bus.register(
        promotions.GenerateVoucherCodes,
        partial(
            promotions_vouchers.generate_voucher_codes,
            clock=clock,
            random=random or SystemRandomSource(),
        ),
    )
    bus.subscribe(orders.ParentOrderPaid, orders_services.consume_promotion_budgets)


def register_shop(
    bus: MessageBus,
    *,
    clock: Clock,
    ids: IdSource,
    stock_policy: InventoryPolicy,
    order_policy: orders.OrderPolicy,
    offers: checkout.Offers,
    order_queries: orders.OrderQueries,
    stock_queries: inventory.StockQueries,
    pricer: pricing.Pricer = pricing.quote,
    tax: catalog.TaxPolicy = catalog.INCLUSIVE,
    audience: promotions.Audience | None = None,
    vault: Vault,
    points_rate: points.PointsRate | None = None,
) -> None:
    """Customers, stock, cart, placing and closing orders (``vault`` seals the customers'
    phones and top-up accounts). ``order_queries`` and
    ``stock_queries`` answer the timers' searches (the store's, never a scan of every
    order or stock item); ``pricer`` prices carts (a :class:`merx.pricing.QuoteMemo`
    shared with the checkout page saves the second pricing of a cart when its order is
    placed); ``points_rate`` is what the points an order spends are worth (100 points =
    1.00, at most half the goods, by default)."""
    bus.register(
        customers.RegisterCustomer, partial(customers_services.register_customer, vault=vault)
    )
    bus.register(customers.AddAddress, partial(customers_services.add_address, vault=vault))
    bus.register(customers.VerifyCustomer, customers_services.verify_customer)
    bus.register(inventory.OpenWarehouse, inventory_services.open_warehouse)
    bus.register(inventory.ReceiveStock, inventory_services.receive_stock)
    bus.register(inventory.ReturnToStock, inventory_services.return_to_stock)
    bus.register(
        inventory.ExpireReservations,
        partial(inventory_services.expire_reservations, clock=clock, queries=stock_queries),
    )
    limits = order_policy.limits
    bus.register(checkout.AddToCart, partial(checkout_services.add_to_cart, limits=limits))
    bus.register(
        checkout.SetCartQuantity, partial(checkout_services.set_cart_quantity, limits=limits)
    )
    bus.register(checkout.RemoveFromCart, checkout_services.remove_from_cart)
    bus.register(checkout.SetFreightTemplate, checkout_services.set_freight_template)
    bus.register(checkout.RemoveFreightTemplate, checkout_services.remove_freight_template)
    bus.register(
        orders.PlaceOrder,
        partial(
            orders_services.place_order,
            vault=vault,
            clock=clock,
            ids=ids,
            inventory=stock_policy,
            offers=offers,
            pricer=pricer,
            limits=limits,
            tax=tax,
            audience=audience,
            points_rate=points_rate or points.PointsRate(),
        ),
    )
    bus.register(orders.CancelOrder, partial(orders_services.cancel_order, clock=clock))
    bus.register(orders.ConfirmReceipt, partial(orders_services.confirm_receipt, clock=clock))
    bus.register(
        orders.CloseUnpaidOrders,
        partial(
            orders_services.close_unpaid_orders,
            clock=clock,
            policy=order_policy,
            queries=order_queries,
        ),
    )
    bus.register(
        orders.AutoConfirmReceipts,
        partial(
            orders_services.auto_confirm_receipts,
            clock=clock,
            policy=order_policy,
            queries=order_queries,
        ),
    )


def register_presale(
    bus: MessageBus,
    *,
    clock: Clock,
    ids: IdSource,
    inventory: InventoryPolicy,
    offers: checkout.Offers,
    gateways: Mapping[str, PaymentGateway],
    journals: Journals,
    queries: orders.OrderQueries,
    pricer: pricing.Pricer = pricing.quote,
    tax: catalog.TaxPolicy = catalog.INCLUSIVE,
    audience: promotions.Audience | None = None,
    points_rate: points.PointsRate | None = None,
) -> None:
    """Pre-sale orders: listing, deposit, balance (priced without the campaigns whose
    ``audience`` leaves the customer out), cancellation, the timer (``queries``
    finds the pre-sale orders whose window closed unpaid), and following the deposit's
    and the balance's payments, the deposit's refund and its booking. ``tax`` taxes the
    deposit and the balance as :func:`register_shop`'s taxes an order; ``points_rate`` is
    what the points a balance spends are worth (as :func:`register_shop`'s)."""
    bus.register(orders.CreatePresale, partial(presale_services.create_presale, clock=clock))
    bus.register(
        orders.PlaceDepositOrder,
        partial(
            presale_services.place_deposit_order,
            clock=clock,
            ids=ids,
            inventory=inventory,
            tax=tax,
        ),
    )
    bus.register(
        orders.PlaceBalanceOrder,
        partial(
            presale_services.place_balance_order,
            clock=clock,
            offers=offers,
            pricer=pricer,
            tax=tax,
            audience=audience,
            points_rate=points_rate,
        ),
    )
    bus.register(
        orders.CancelPresaleOrder, partial(presale_services.cancel_presale_order, clock=clock)
    )
    bus.register(
        orders.EndUnpaidPresales,
        partial(presale_services.end_unpaid_presales, clock=clock, queries=queries),
    )
    bus.subscribe(orders.ParentOrderPaid, presale_services.presale_parent_paid)
    bus.subscribe(
        orders.PresaleDepositRefundDue,
        partial(payments_presale.refund_presale_deposit, gateways=gateways, clock=clock),
    )
    bus.subscribe(payments.RefundSucceeded, payments_presale.presale_refund_succeeded)
    bus.subscribe(
        orders.PresaleDepositRefunded,
        partial(clearing_services.book_presale_deposit_refund, clock=clock, journals=journals),
    )
    bus.subscribe(
        payments.RefundSucceeded,
        partial(clearing_services.book_presale_share_refund, clock=clock, journals=journals),
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
    finance: payments_services.Finance | None = None,
    queries: payments.PaymentQueries,
    refunds: payments.RefundPolicy | None = None,
) -> None:
    """Paying (routed or by a chosen channel, authenticated when risk asks), syncing,
    notifications; invoices. ``finance`` finances an installment payment once its payer
    is authenticated (:func:`merx.payments.installments.finance_installment_payment`, bound);
    ``queries`` finds the payments whose authentication may have lapsed and those with a
    refund to try again (under ``refunds``, the retry schedule and its attempts)."""
    auth = authentication or payments.AuthenticationPolicy()
    bus.register(
        payments.PayOrder,
        partial(
            payments_services.pay_order, gateways=gateways, clock=clock, ids=ids,
            inventory=inventory, risk=risk, authentication=auth,
        ),
    )  # fmt: skip
    bus.register(
        payments.PayOrderRouted,
        partial(
            payments_services.pay_order_routed, gateways=gateways, clock=clock, ids=ids,
            inventory=inventory, rules=rules, health=health, risk=risk, authentication=auth,
        ),
    )  # fmt: skip
    bus.register(
        payments.AuthenticateTransaction,
        partial(
            payments_services.authenticate_transaction, gateways=gateways, clock=clock,
            inventory=inventory, risk=risk, finance=finance,
        ),
    )  # fmt: skip
    bus.register(
        payments.ExpirePaymentAuthentications,
        partial(payments_services.expire_payment_authentications, clock=clock, queries=queries),
    )
    bus.register(
        payments.RetryRefunds,
        partial(
            payments_services.retry_refunds, gateways=gateways, clock=clock, queries=queries,
            policy=refunds or payments.RefundPolicy(),
            installments=payments_installments.try_installment_refund,
        ),
    )  # fmt: skip
    bus.register(
        payments.ResolveEscalatedRefund,
        partial(payments_services.resolve_escalated_refund, clock=clock),
    )
    for command, handler in (
        (invoicing.RequestInvoice, invoicing_services.request_invoice),
        (invoicing.IssueInvoice, invoicing_services.issue_invoice),
        (invoicing.ReissueInvoice, invoicing_services.reissue_invoice),
        (invoicing.VoidInvoice, invoicing_services.void_invoice),
    ):
        bus.register(command, partial(handler, clock=clock))
    bus.subscribe(
        orders.OrderClosed, partial(invoicing_services.void_invoice_of_closed_order, clock=clock)
    )
    bus.subscribe(
        payments.RefundSucceeded,
        partial(invoicing_services.correct_invoices_after_refund, clock=clock),
    )


def register_clearing(bus: MessageBus, *, clock: Clock, journals: Journals) -> None:
    """Marketplace orders, completions and refunds booked into the settlement ledger."""
    for event, subscriber in (
        (orders.OrderPaid, clearing_services.book_paid_order),
        (orders.OrderCompleted, clearing_services.book_completed_order),
        (aftersales.AfterSaleCompleted, clearing_services.book_after_sale_refund),
        (payments.RefundSucceeded, clearing_services.book_granted_refund),
    ):
        bus.subscribe(event, partial(subscriber, clock=clock, journals=journals))


def register_search(
    bus: MessageBus, *, clock: Clock, index: search.SearchIndex | None = None
) -> search.SearchIndex:
    """Search: ``index`` (a :class:`MemorySearchIndex` by default) follows the catalog's
    listings, prices and sales restrictions and stock arriving, and counts the units of
    paid orders (:mod:`merx.search.services`); ``ReindexSearch`` rebuilds it. The index."""
    index = index if index is not None else MemorySearchIndex()
    for event in (catalog.SkuListed, catalog.SkuDelisted, catalog.PriceChanged):
        bus.subscribe(event, partial(search_services.follow_sku, index=index, clock=clock))
    bus.subscribe(
        catalog.SalesRestrictionsChanged,
        partial(search_services.follow_sku, index=index, clock=clock),
    )
    for stock_event in (inventory.StockReceived, inventory.StockRestocked):
        bus.subscribe(stock_event, partial(search_services.follow_stock, index=index, clock=clock))
    bus.subscribe(orders.OrderPaid, partial(search_services.count_sales, index=index))
    bus.register(
        search.ReindexSearch, partial(search_services.reindex_search, index=index, clock=clock)
    )
    return index


def register_tags(
    bus: MessageBus, *, clock: Clock, currency: str, user_activity: bool = True
) -> None:
    """Tags: the catalog's life cycle, values pushed or batch-loaded by the host, and (with
    ``user_activity``) the users' activity recorded from orders, after-sales, installments
    and credit for the built-in user tags."""
    bus.register(tags.DefineTag, tags_services.define_tag)
    bus.register(tags.ReviseTag, tags_services.revise_tag)
    for command, handler in (
        (tags.PublishTag, tags_services.publish_tag),
        (tags.RetireTag, tags_services.retire_tag),
        (tags.RestoreTag, tags_services.restore_tag),
        (tags.InstallBuiltinTags, tags_services.install_builtin_tags),
        (tags.PushTagValues, tags_services.push_tag_values),
        (tags.LoadBatchValues, tags_services.load_batch_values),
    ):
        bus.register(command, partial(handler, clock=clock))
    bus.register(
        tags.BackfillUserActivity,
        partial(tags_services.backfill_user_activity, currency=currency),
    )
    if user_activity:
        for event in tags_services.ACTIVITY_EVENTS:
            bus.subscribe(
                event, partial(tags_services.record_activity, currency=currency, clock=clock)
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
    screen: aftersales.RefundScreen | None = None,
) -> None:
    """After-sales: the customer's four requests, review, returns, inspection, refunds
    (``screen``, risk control's when on, asked as a case opens, as it is approved and as a
    refund is granted)."""
    bus.register(
        aftersales.RequestRefund,
        partial(aftersales_services.request_refund, clock=clock, ids=ids, screen=screen),
    )
    for command, handler in (
        (aftersales.RequestReturn, aftersales_services.request_return),
        (aftersales.RequestExchange, aftersales_services.request_exchange),
        (aftersales.RequestRefundOnly, aftersales_services.request_refund_only),
    ):
        bus.register(
            command, partial(handler, clock=clock, ids=ids, policy=order_policy, screen=screen)
        )
    bus.register(
        aftersales.ApproveAfterSale,
        partial(
            aftersales_services.approve_after_sale, gateways=gateways, clock=clock, screen=screen
        ),
    )
    bus.register(
        aftersales.RejectAfterSale, partial(aftersales_services.reject_after_sale, clock=clock)
    )
    bus.register(
        aftersales.SendReturn,
        partial(aftersales_services.send_return, logistics=logistics, clock=clock),
    )
    bus.register(
        aftersales.InspectReturn,
        partial(
            aftersales_services.inspect_return,
            gateways=gateways,
            logistics=logistics,
            inventory=inventory_policy,
            clock=clock,
        ),
    )
    bus.register(
        aftersales.SyncAfterSaleRefund,
        partial(aftersales_services.sync_after_sale_refund, gateways=gateways, clock=clock),
    )
    bus.register(
        aftersales.GrantRefund,
        partial(aftersales_services.grant_refund, gateways=gateways, clock=clock, screen=screen),
    )
    bus.subscribe(aftersales.AfterSaleCompleted, aftersales_services.refund_presale_deposit_share)
    bus.subscribe(
        payments.RefundSucceeded, partial(aftersales_services.complete_refunded_case, clock=clock)
    )
    bus.subscribe(
        payments.RefundSucceeded,
        partial(aftersales_services.give_back_granted_points, clock=clock),
    )
    bus.register(
        aftersales.ShipReplacement,
        partial(
            aftersales_services.ship_replacement,
            gateways=gateways,
            logistics=logistics,
            clock=clock,
        ),
    )


def register_catalog(bus: MessageBus, *, policy: catalog.ProfitPolicy) -> None:
    """The goods middle platform: categories, brands and SPUs (products); SKUs, listing
    under ``policy``, placement (catalog)."""
    plain: list[tuple[type[Command[Any]], Callable[..., Any]]] = [
        (products.AddCategory, products_services.add_category),
        (products.RenameCategory, products_services.rename_category),
        (products.MoveCategory, products_services.move_category),
        (products.CreateBrand, products_services.create_brand),
        (products.CreateSpu, products_services.create_spu),
        (products.AddSpecValue, products_services.add_spec_value),
        (products.UpdateSpuContent, products_services.update_spu_content),
        (products.SetSpuLabels, products_services.set_spu_labels),
        (products.CreateSkuFromSpu, products_services.create_sku_from_spu),
        (catalog.CreateSku, catalog_services.create_sku),
        (catalog.DelistSku, catalog_services.delist_sku),
        (catalog.SetSalesRestrictions, catalog_services.set_sales_restrictions),
        (catalog.SetSkuLabels, catalog_services.set_sku_labels),
        (catalog.SetTaxRate, catalog_services.set_tax_rate),
        (catalog.SetSkuShipping, catalog_services.set_sku_shipping),
        (catalog.SetInstallmentEligible, catalog_services.set_installment_eligible),
        (catalog.PlaceSku, catalog_services.place_sku),
        (catalog.RemovePlacement, catalog_services.remove_placement),
    ]
    with_policy: list[tuple[type[Command[Any]], Callable[..., Any]]] = [
        (catalog.ListSku, catalog_services.list_sku),
        (catalog.ChangePrice, catalog_services.change_price),
        (catalog.SetPurchaseCost, catalog_services.set_purchase_cost),
    ]
    for command, handler in plain:
        bus.register(command, handler)
    for command, handler in with_policy:
        bus.register(command, partial(handler, policy=policy))


def register_experiments(bus: MessageBus, *, clock: Clock) -> None:
    """A/B experiments: definitions and their life cycle, sticky assignment, and
    conversions counted from paid orders."""
    bus.register(experiments.DefineExperiment, experiments_services.define_experiment)
    bus.register(experiments.StartExperiment, experiments_services.start_experiment)
    bus.register(experiments.StopExperiment, experiments_services.stop_experiment)
    bus.register(experiments.ReweighExperiment, experiments_services.reweigh_experiment)
    bus.register(experiments.RecordExposure, experiments_services.record_exposure)
    bus.register(
        experiments.AssignVariation, partial(experiments_services.assign_variation, clock=clock)
    )
    bus.subscribe(orders.ParentOrderPaid, experiments_services.count_conversions)


def register_merchants(bus: MessageBus, *, clock: Clock, ids: IdSource) -> None:
    """Every merchants command, bound to its ports."""
    with_clock: list[tuple[type[Command[Any]], Callable[..., Any]]] = [
        (merchants.AddMerchantDocument, merchants_services.add_merchant_document),
        (merchants.RemoveMerchantDocument, merchants_services.remove_merchant_document),
        (merchants.SetGoodsScope, merchants_services.set_goods_scope),
        (merchants.SubmitMerchantApplication, merchants_services.submit_merchant_application),
        (merchants.ReapplyMerchant, merchants_services.reapply_merchant),
        (merchants.OpenStore, merchants_services.open_store),
        (merchants.ReviewMerchantDocument, merchants_services.review_merchant_document),
        (merchants.ApproveMerchant, merchants_services.approve_merchant),
        (merchants.RejectMerchant, merchants_services.reject_merchant),
        (merchants.ChangeGoodsScope, merchants_services.change_goods_scope),
        (merchants.RecordMerchantPerformance, merchants_services.record_merchant_performance),
        (merchants.SuspendMerchant, merchants_services.suspend_merchant),
        (merchants.ReinstateMerchant, merchants_services.reinstate_merchant),
        (merchants.StartClosingMerchant, merchants_services.start_closing_merchant),
    ]
    for command, handler in with_clock:
        bus.register(command, partial(handler, clock=clock))
    bus.register(
        merchants.ApplyMerchant, partial(merchants_services.apply_merchant, clock=clock, ids=ids)
    )


def register_settlement(
    bus: MessageBus,
    *,
    clock: Clock,
    payout: Payout,
    journals: Journals,
    queries: settlement.SettlementQueries,
    screen: settlement.WithdrawalScreen = settlement.NO_SCREEN,
) -> None:
    """Every settlement command, and the ledger's, bound to their ports (``queries``
    finds a closing merchant's pending withdrawals; ``screen`` screens each withdrawal
    requested: risk control's, or none)."""
    bus.register(ledger.OpenLedger, ledger_services.open_ledger)
    with_clock: list[tuple[type[Command[Any]], Callable[..., Any]]] = [
        (settlement.SetCommissionTable, settlement_services.set_commission_table),
        (settlement.OpenMerchantAccount, settlement_services.open_merchant_account),
        (settlement.ChangeSettlementTerms, settlement_services.change_settlement_terms),
    ]
    for command, handler in with_clock:
        bus.register(command, partial(handler, clock=clock))
    bus.register(
        settlement.CloseMerchant,
        partial(
            settlement_services.close_merchant, clock=clock, journals=journals, queries=queries
        ),
    )
    with_journals: list[tuple[type[Command[Any]], Callable[..., Any]]] = [
        (settlement.BookOrderPayment, settlement_services.book_order_payment),
        (settlement.CompleteOrder, settlement_services.complete_order),
        (settlement.BookRefund, settlement_services.book_refund),
        (settlement.CompensateCustomer, settlement_services.compensate_customer),
        (settlement.RunSettlement, settlement_services.run_settlement),
        (settlement.PayDeposit, settlement_services.pay_deposit),
        (settlement.DeductDeposit, settlement_services.deduct_deposit),
        (settlement.Recharge, settlement_services.recharge),
        (settlement.ChargeMarketing, settlement_services.charge_marketing),
        (settlement.PreSettle, settlement_services.pre_settle),
        (settlement.SettleFinally, settlement_services.settle_finally),
    ]
    for command, handler in with_journals:
        bus.register(command, partial(handler, clock=clock, journals=journals))
    bus.register(
        settlement.RequestWithdrawal,
        partial(
            settlement_services.request_withdrawal, clock=clock, journals=journals,
            payout=payout, screen=screen,
        ),
    )  # fmt: skip
    for command, handler in (
        (settlement.SyncWithdrawal, settlement_services.sync_withdrawal),
        (settlement.ReleaseWithdrawal, settlement_services.release_withdrawal),
    ):
        bus.register(command, partial(handler, clock=clock, journals=journals, payout=payout))


def register_credit(
    bus: MessageBus, *, clock: Clock, ids: IdSource, scorer: CreditScorer, vault: Vault
) -> None:
    """Every credit command and its handler, with the keywords each needs (``vault``
    seals an application's declared identity)."""
    plain: list[tuple[type[Command[Any]], Callable[..., Any]]] = [
        (credit.ChangeCreditLimit, credit_services.change_credit_limit),
        (credit.FreezeCreditAccount, credit_services.freeze_credit_account),
        (credit.UnfreezeCreditAccount, credit_services.unfreeze_credit_account),
        (credit.RefundHeldCredit, credit_services.refund_held_credit),
    ]
    with_clock: list[tuple[type[Command[Any]], Callable[..., Any]]] = [
        (credit.GrantTemporaryLimit, credit_services.grant_temporary_limit),
        (credit.GrantSpecialLimit, credit_services.grant_special_limit),
    ]
    for command, handler in plain:
        bus.register(command, handler)
    for command, handler in with_clock:
        bus.register(command, partial(handler, clock=clock))
    bus.register(
        credit.ApplyForCredit,
        partial(credit_services.apply_for_credit, clock=clock, ids=ids, scorer=scorer, vault=vault),
    )
    bus.register(credit.ReassessCredit, partial(credit_services.reassess_credit, scorer=scorer))


def register_points(bus: MessageBus, *, clock: Clock, queries: points.PointsQueries) -> None:
    """Earning points and the expiry run (``queries`` finds the accounts it expires)."""
    bus.register(points.EarnPoints, partial(points_services.earn_points, clock=clock))
    bus.register(
        points.ExpirePoints,
        partial(points_services.expire_points, clock=clock, queries=queries),
    )


def register_installments(
    bus: MessageBus,
    *,
    clock: Clock,
    ids: IdSource,
    scorer: CreditScorer,
    queries: installments.InstallmentQueries,
    product: installments.ProductSettings | None = None,
    calendar: installments.BusinessCalendar | None = None,
) -> None:
    """Every installments command and its handler, with the keywords each needs
    (``queries`` finds the accounts the bill run bills; a purchase opens its plan with
    ``product``'s rules and due dates moved off ``calendar``'s non-working days)."""
    plain: list[tuple[type[Command[Any]], Callable[..., Any]]] = [
        (installments.ActivateInstallmentPlan, installments_services.activate_installment_plan),
        (installments.CancelInstallmentPlan, installments_services.cancel_installment_plan),
    ]
    with_clock: list[tuple[type[Command[Any]], Callable[..., Any]]] = [
        (installments.RepayInstallmentPlan, installments_services.repay_installment_plan),
        (installments.RepayCredit, installments_services.repay_credit),
        (installments.PayOffInstallmentPlan, installments_services.pay_off_installment_plan),
        (installments.PrepayInstallmentPlan, installments_services.prepay_installment_plan),
        (installments.RefundInstallmentOrder, installments_services.refund_installment_order),
    ]
    for command, handler in plain:
        bus.register(command, handler)
    for command, handler in with_clock:
        bus.register(command, partial(handler, clock=clock))
    bus.register(
        installments.RunBills,
        partial(installments_services.run_bills, clock=clock, queries=queries),
    )
    bus.register(
        installments.PurchaseOnInstallment,
        partial(
            installments_services.purchase_on_installment,
            clock=clock,
            ids=ids,
            scorer=scorer,
            product=product,
            calendar=calendar,
        ),
    )


def register_funding(
    bus: MessageBus,
    *,
    clock: Clock,
    ids: IdSource,
    scorer: CreditScorer,
    funders: Mapping[str, Funder],
    product: installments.ProductSettings | None = None,
    calendar: installments.BusinessCalendar | None = None,
) -> None:
    """Every funding command, and its subscribers to installments' events (financing an
    order opens its plan with ``product`` and ``calendar``, as :func:`register_installments`)."""
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
            product=product,
            calendar=calendar,
        ),
    )
    bus.register(funding.RepurchaseAsset, partial(funding_services.repurchase_asset, clock=clock))
    bus.register(funding.SendAssetToCollection, funding_services.send_asset_to_collection)
    bus.register(
        funding.SellAssetPackage, partial(funding_services.sell_asset_package, clock=clock)
    )
    bus.subscribe(installments.InstallmentPlanPaidOff, funding_services.on_plan_paid_off)
    bus.subscribe(installments.InstallmentPlanRefunded, funding_services.on_plan_refunded)


def register_suppliers(
    bus: MessageBus, *, clock: Clock, ids: IdSource, channel: ConsignmentChannel
) -> None:
    """Every suppliers command, bound to its ports."""
    with_clock: list[tuple[type[Command[Any]], Callable[..., Any]]] = [
        (suppliers.AddQualificationDocument, suppliers_services.add_qualification_document),
        (suppliers.RemoveQualificationDocument, suppliers_services.remove_qualification_document),
        (suppliers.SubmitSupplierApplication, suppliers_services.submit_supplier_application),
        (suppliers.ReviewQualificationDocument, suppliers_services.review_qualification_document),
        (suppliers.ApproveSupplier, suppliers_services.approve_supplier),
        (suppliers.RejectSupplier, suppliers_services.reject_supplier),
        (suppliers.ReapplySupplier, suppliers_services.reapply_supplier),
        (suppliers.SuspendSupplier, suppliers_services.suspend_supplier),
        (suppliers.ReinstateSupplier, suppliers_services.reinstate_supplier),
        (suppliers.TerminateSupplier, suppliers_services.terminate_supplier),
    ]
    for command, handler in with_clock:
        bus.register(command, partial(handler, clock=clock))
    bus.register(
        suppliers.ApplySupplier, partial(suppliers_services.apply_supplier, clock=clock, ids=ids)
    )
    bus.register(
        suppliers.PushConsignmentOrder,
        partial(suppliers_services.push_consignment_order, channel=channel),
    )


def register_procurement(
    bus: MessageBus, *, clock: Clock, ids: IdSource, queries: procurement.PurchaseOrderQueries
) -> None:
    """Every procurement command, bound to its ports (the suppliers must be registered;
    ``queries`` finds the purchase orders a purchases statement reads)."""
    with_clock: list[tuple[type[Command[Any]], Callable[..., Any]]] = [
        (procurement.AddContractPrice, procurement_services.add_contract_price),
        (procurement.SignContract, procurement_services.sign_contract),
        (procurement.TerminateContract, procurement_services.terminate_contract),
        (procurement.ApprovePurchaseOrder, procurement_services.approve_purchase_order),
        (procurement.CancelPurchaseOrder, procurement_services.cancel_purchase_order),
        (procurement.ClosePurchaseOrder, procurement_services.close_purchase_order),
        (procurement.ReceivePurchaseOrder, procurement_services.receive_purchase_order),
        (procurement.ConfirmSupplierStatement, procurement_services.confirm_supplier_statement),
        (procurement.PaySupplierStatement, procurement_services.pay_supplier_statement),
    ]
    with_clock_and_ids: list[tuple[type[Command[Any]], Callable[..., Any]]] = [
        (procurement.DraftContract, procurement_services.draft_contract),
        (procurement.DraftPurchaseOrder, procurement_services.draft_purchase_order),
        (procurement.IssueSalesStatement, procurement_services.issue_sales_statement),
    ]
    for command, handler in with_clock:
        bus.register(command, partial(handler, clock=clock))
    for command, handler in with_clock_and_ids:
        bus.register(command, partial(handler, clock=clock, ids=ids))
    bus.register(
        procurement.IssuePurchasesStatement,
        partial(
            procurement_services.issue_purchases_statement, clock=clock, ids=ids, queries=queries
        ),
    )


def register_reach(
    bus: MessageBus,
    *,
    clock: Clock,
    policy: reach.ReachPolicy,
    messenger: reach.Messenger,
    decider: decisions.Decider,
    order_queries: orders.OrderQueries,
    queries: reach.ReachQueries,
    attribution: bool = True,
    on_shipment: bool = False,
) -> None:
    """User reach: templates, campaigns and their runs through ``messenger`` within the
    platform's ``policy``, receipts, returns, time zones, store following; campaigns on
    ``order_shipped`` and, with ``attribution``, touches credited with the orders paid
    after them; with ``on_shipment``, campaigns on ``order_shipped`` (one read more per
    shipped order: the campaigns)."""
    ports = reach_services.ReachPorts(clock, policy, messenger, decider, order_queries, queries)
    plain = (
        (reach.SaveTemplate, reach_services.save_template),
        (reach.DefineReachCampaign, reach_services.define_campaign),
        (reach.ActivateReachCampaign, reach_services.activate_campaign),
        (reach.PauseReachCampaign, reach_services.pause_campaign),
        (reach.EndReachCampaign, reach_services.end_campaign),
        (reach.SetReachTimeZone, reach_services.set_time_zone),
        (reach.FollowStore, reach_services.follow_store),
        (reach.UnfollowStore, reach_services.unfollow_store),
    )
    register_each(bus, plain)
    sending = (
        (reach.RunReachCampaign, reach_services.run_campaign),
        (reach.ReachCustomer, reach_services.reach_customer),
        (reach.SendHeldMessages, reach_services.send_held_messages),
    )
    register_each(bus, sending, ports=ports)
    register_each(bus, [(reach.RecordReceipt, reach_services.record_receipt)], clock=clock)
    register_each(
        bus, [(reach.RecordReturn, reach_services.record_return)], clock=clock, policy=policy
    )
    if on_shipment:
        bus.subscribe(orders.OrderShipped, partial(reach_services.reach_on_shipment, ports=ports))
    if attribution:
        bus.subscribe(orders.OrderPaid, partial(reach_services.attribute_order, policy=policy))
