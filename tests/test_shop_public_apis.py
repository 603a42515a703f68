"""The shop contexts' public APIs, pinned: a name added or dropped is a visible decision.

Each context exports its commands, results, events, errors, read models, ports and the
few functions other contexts call in-process; handlers, serde, flows and internal helpers
stay in their modules. The names are kept as sorted words, a paragraph per context.
"""

from __future__ import annotations

import importlib

import pytest

PINNED = {
    "aftersales": """
        AfterSale AfterSaleApproved AfterSaleCompleted AfterSaleKind AfterSaleRejected
        AfterSaleRequested AfterSaleStatus ApproveAfterSale InspectReturn NotEligible
        RejectAfterSale RequestExchange RequestRefund RequestRefundOnly RequestReturn
        ReturnInspected ReturnShipped SendReturn ShipReplacement SyncAfterSaleRefund
        merchant_case
    """,
    "catalog": """
        AT_COST BelowCost ChangePrice CostNotApplicable CreateSku DelistSku Fulfillment
        FulfillmentMode GoodsType InstallmentEligibilityChanged InvalidSpecs ListSku
        MarginBreached NewUsersOnly NotListed PlaceSku Placement PlacementOverlap
        PlacementRemoved PriceChanged ProfitPolicy PurchaseCostSet PurchaseLimitExceeded
        RemovePlacement RestrictedRegion SalesRestrictions SalesRestrictionsChanged
        SetInstallmentEligible SetPurchaseCost SetSalesRestrictions SetSkuLabels Sku
        SkuCreated SkuDelisted SkuLabelsChanged SkuListed SkuPlaced SkuStatus
        UnknownPlacement VerificationRequired arrange_slot labels_of
    """,
    "checkout": """
        AddToCart Cart CartChanged EmptySelection NotInCart Offers Quote QuotedLine
        RemoveFromCart SetCartQuantity no_offers quote_cart
    """,
    "customers": """
        AddAddress Address AddressAdded Customer CustomerRegistered CustomerVerified
        FirstOrderCompleted RegisterCustomer UnknownAddress VerifyCustomer
    """,
    "fulfillment": """
        ConsignmentDispatch ConsignmentPushed ConsignmentShipped DispatchStatus FulfillTopUp
        Logistics LogisticsTimeout LogisticsUnavailable NotATopUp RouteConsignment
        ShipByMerchant ShipOrder Shipment ShipmentAlreadyBooked ShipmentDelivered
        ShipmentDispatched ShipmentStatus SyncConsignment SyncTracking TopUp TopUpOpened
        TopUpUnitSettled TrackingNumberTaken UnitStatus UnknownCarrier UnknownTrackingNumber
        UnknownVirtualSupplier
    """,
    "inventory": """
        Allocation ExpireReservations InventoryPolicy LockPolicy NoFirmLock OpenWarehouse
        OutOfDeliveryRange OutOfStock ReceiveStock ReturnToStock StockDeducted StockItem
        StockLocked StockReceived StockReleased StockReserved StockRestocked Warehouse
        WarehouseOpened confirm_holds deduct_holds hold_for_order receive_into relax_holds
        release_holds stock_key stock_of
    """,
    "invoicing": """
        BuyerKind DuplicateInvoiceNumber Invoice InvoiceAlreadyRequested
        InvoiceCorrectionDue InvoiceIssued InvoiceReissued InvoiceRequested InvoiceStatus
        InvoiceStillOwed InvoiceTitle InvoiceVoided IssueInvoice MissingTaxId
        NothingToInvoice OrderNotPaid RefundsNotAttributed ReissueInvoice RequestInvoice
        VoidInvoice
    """,
    "notifications": """
        CHANNELS Notifier NotifierUnavailable UnsupportedNotificationChannel
    """,
    "orders": """
        AutoConfirmReceipts CancelOrder ClaimExceedsOrder CloseUnpaidOrders ConfirmReceipt
        Order OrderCancelled OrderClosed OrderCompleted OrderDelivered OrderFulfilled
        OrderKind OrderLine OrderPaid OrderPartlyShipped OrderPaymentFailed
        OrderPaymentStarted OrderPlaced OrderPolicy OrderProcurementFailed OrderProcuring
        OrderQueries OrderShipped OrderStatus ParentOrder ParentOrderCancelled
        ParentOrderPaid ParentOrderPlaced ParentStatus PaymentInFlight PlaceOrder
        PlacedOrder QuoteChanged UnknownSeller cancel_order
        merchant_order merchant_orders
    """,
    "payments": """
        AuthFactor AuthenticateTransaction AuthenticationExpired AuthenticationLapsed
        AuthenticationLocked AuthenticationLockedOut AuthenticationPolicy
        AuthenticationProofRejected AuthenticationRequired CaptureExceedsAuthorization
        ChannelHealth DEFAULT_ROUTING DuplicateRefund ExpirePaymentAuthentications
        GatewayTimeout HandlePaymentNotification INSTALLMENTS NoAuthenticationPending
        NoChannelAvailable NotInstallmentEligible PayByInstallments PayOrder PayOrderRouted
        Payment PaymentAlreadyAuthorized PaymentAnomalyRecorded PaymentDenied
        PaymentFactRecorded PaymentFailed PaymentGateway PaymentInitiated
        PaymentNotAuthorized PaymentNotification PaymentOutcome PaymentQueries PaymentStatus
        PaymentSucceeded RefundExceedsCapture RefundExceedsPayment RefundFailed
        RefundReserved RefundStatus RefundSucceeded RoutingRule SyncPayment
        TransactionAuthenticated TransactionRisk UnknownChannel UnknownPayment
        WrongAuthenticationFactor WrongProof refund_to_payer
    """,
    "products": """
        AddCategory AddSpecValue Brand BrandCreated BrandId BrandRenamed Category
        CategoryAdded CategoryCycle CategoryId CategoryMoved CategoryRenamed CategoryTree
        CreateBrand CreateSkuFromSpu CreateSpu MoveCategory RenameCategory SetSpuLabels
        SpecCombinationTaken SpecValueAdded Spu SpuContent SpuContentUpdated SpuCreated
        SpuId SpuLabelsChanged SpuVariantAdded UnknownCategory UpdateSpuContent
        load_category_tree
    """,
}


@pytest.mark.parametrize("context", sorted(PINNED))
def test_the_public_api_is_exactly_the_pinned_names(context: str) -> None:
    module = importlib.import_module(f"merx.{context}")
    pinned = PINNED[context].split()
    assert sorted(module.__all__) == pinned
    assert len(pinned) <= 60
    for name in pinned:
        assert getattr(module, name) is not None
