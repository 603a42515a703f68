"""Every context's public API, pinned: a name added or dropped is a visible decision.

A context's ``__init__`` exports its commands, results, events, errors, read models, ports
and the few functions other contexts call in-process; handlers (wired by ``merx.app`` from
``merx.<context>.services``), serde helpers, state tables and internal helpers stay in their
modules. The names are kept as sorted words, a paragraph per context.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import pytest

import merx

PINNED = {
    "ads": """
        AD_CAP AdCampaign AdCampaignCreated AdCampaignPaused AdCampaignResumed AdClicked
        AdNotShowing AdStatus ClickAd CreateAdCampaign DailyBudgetSpent InvalidAdCampaign
        MarketingAccount PageItem PauseAdCampaign ResumeAdCampaign SearchPage sponsored_page
    """,
    "aftersales": """
        AfterSale AfterSaleApproved AfterSaleCompleted AfterSaleKind AfterSaleQueries
        AfterSaleRejected AfterSaleRequested AfterSaleStatus ApproveAfterSale Funder
        GrantKind GrantRefund InspectReturn NotEligible RefundDenied RefundHeld
        RefundScreen RefundScreening RefundVerdict RejectAfterSale RequestExchange
        RequestRefund RequestRefundOnly RequestReturn ReturnInspected ReturnShipped
        SendReturn ShipReplacement SyncAfterSaleRefund merchant_case open_cases
    """,
    "behaviour": """
        Behaviour BehaviourDay BehaviourKind BehaviourTracked Click CustomerTrail
        InvalidBehaviour LoggedSearch RECENT_CLICKS RECENT_VIEWS SEARCHES_PER_DAY
        TrackBehaviour day_counts mask_numbers recent_clicks recently_viewed searches_logged
    """,
    "catalog": """
        AT_COST BelowCost ChangePrice CostNotApplicable CreateSku DelistSku Fulfillment
        FulfillmentMode GoodsType INCLUSIVE InstallmentEligibilityChanged InvalidShipping
        InvalidSpecs InvalidTaxRate ListSku MarginBreached NewUsersOnly NotListed PlaceSku Placement
        PlacementOverlap PlacementRemoved PriceChanged ProfitPolicy PurchaseCostSet
        PurchaseLimitExceeded RemovePlacement RestrictedRegion SalesRestrictions
        SalesRestrictionsChanged SetInstallmentEligible SetPurchaseCost SetSalesRestrictions
        SetSkuLabels SetSkuShipping SetTaxRate Sku SkuCreated SkuDelisted SkuLabelsChanged SkuListed
        SkuPlaced SkuShippingSet SkuStatus TaxMode TaxPolicy TaxRateSet UnknownPlacement
        VerificationRequired arrange_slot labels_of
    """,
    "checkout": """
        AddToCart Cart CartChanged EmptySelection FreightCharge FreightTerms LineDiscount
        NoFreightTemplate NotInCart Offers OrderLimitExceeded OrderLimits POINTS Quote QuoteMade
        QuotedLine RemoveFreightTemplate RemoveFromCart SetCartQuantity SetFreightTemplate
        freight_charges freight_templates no_offers quote_cart
    """,
    "clearing": """

    """,
    "data": """
        Attribution COLLECTED DIMENSIONS Fact FactStore GRAINS How InvalidFact
        InvalidWindow MERCHANT_METRICS METRICS Measure MerchantReport Metric MetricRow
        MixedCurrencies NoAttribution OrderSide RATE_PLACES Shape StoredAttribution
        Tally US_PER_DAY US_PER_HOUR UnknownMetric Window event_id_of facts_of from_us
        ingest merchant_report metric_series tally_facts to_us
    """,
    "decisions": """
        Access AllOf AnyOf Assigner CallerNotPermitted CompiledVersion Condition Decider
        Decision DecisionMade DecisionRecording Expr HitPolicy InputField InputTypeMismatch
        MissingInput NamedRule NoExperiments Not NotPublished OfflineTag Op OperatorNotAllowed
        Output Permission PublishScenario PublishedVersion Reason RollBackScenario RuleCycle
        RuleInvalid RuleRef RuleSaved RuleSyntaxError RuleTrial SaveRule SaveScenarioDraft
        Scenario ScenarioDefinition ScenarioDraftSaved ScenarioInvalid ScenarioPublished
        ScenarioRolledBack ScenarioSwitched Source Strategy SwitchScenario TagCatalog TagSpec
        TagValues UnknownInput UnknownRule UnknownScenario UnknownTag ValueType
        ValueTypeMismatch parse_rule rule_from_json rule_text rule_to_json
    """,
    "credit": """
        AccountFrozen ApplicationDecision ApplyForCredit ChangeCreditLimit Consent
        ConsentMissing CreditAccount CreditAccountFrozen CreditAccountOpened
        CreditAccountUnfrozen CreditApplication CreditApplicationApproved
        CreditApplicationRejected CreditApplicationSubmitted CreditDeclined
        CreditLimitChanged CreditLimitDrawn CreditLimitRestored CreditScorer
        FreezeCreditAccount GrantSpecialLimit GrantTemporaryLimit Identity InstallmentOption
        LimitExceeded LimitPosition OverpaymentHeld OverpaymentReleased PlanId
        ReassessCredit RefundHeldCredit RiskAssessment RiskCheck ScoringFacts SealedIdentity
        SpecialLimitGranted TemporaryLimitGranted TermNotAllowed UnfreezeCreditAccount
        UnknownDraw installment_options limit_position
    """,
    "customers": """
        AddAddress Address AddressAdded Customer CustomerRegistered CustomerVerified
        FirstOrderCompleted RegisterCustomer UnknownAddress VerifyCustomer
    """,
    "experiments": """
        AssignVariation CommandAssigner DefineExperiment Experiment ExperimentStatus
        InvalidExperiment InvalidWeights NamespaceOverlap NamespaceRange RecordExposure
        ReweighExperiment StartExperiment StopExperiment StoredAssigner SubjectConverted
        SubjectExposed Variation VariationResult
        experiment_results
    """,
    "fulfillment": """
        ConsignmentDispatch ConsignmentPushed ConsignmentShipped DispatchStatus FulfillTopUp
        Logistics LogisticsTimeout LogisticsUnavailable NotATopUp RouteConsignment
        ShipByMerchant ShipOrder Shipment ShipmentAlreadyBooked ShipmentDelivered
        ShipmentDispatched ShipmentStatus SyncConsignment SyncTracking TopUp TopUpOpened
        TopUpUnitSettled TrackingNumberTaken UnitStatus UnknownCarrier UnknownTrackingNumber
        UnknownVirtualSupplier
    """,
    "funding": """
        Asset AssetAlreadyFinanced AssetFunded AssetFundingFailed AssetNotFinanced
        AssetRepurchased AssetSentToCollection AssetSettled AssetSold AssetState
        AttemptOutcome ChangeInvestorQuota FinanceInstallmentOrder FundAsset Funder
        FunderTimeout FundingAttempt FundingChannel FundingDecision FundingResult
        FundingStatus FundingTimedOut InstallmentFinancing Investor InvestorQuotaChanged
        InvestorRegistered PLATFORM_FUNDER PackageSale QuotaExhausted RegisterInvestor
        RepurchaseAsset SellAssetPackage SendAssetToCollection finance_installment_order
    """,
    "installments": """
        ActivateInstallmentPlan Allocation BackdatedTransaction Bill BillIssued BillPaid
        BillRun BillState BusinessCalendar CancelInstallmentPlan Component CustomerRepayment
        InstallmentPlan
        InstallmentPlanActivated InstallmentPlanCancelled InstallmentPlanClosed
        InstallmentPlanOpened InstallmentPlanPaidOff InstallmentPlanRefunded
        InstallmentPrepaid InstallmentQueries InstallmentRepaid PayOffInstallmentPlan
        PaymentDueFirst
        PayoffQuote PayoffShortfall PenaltyAccrued PlanState PrepayInstallmentPlan
        PrepaymentMode PrepaymentNotAllowed PrepaymentTooLarge ProductSettings
        PurchaseOnInstallment RefundExceedsPrincipal RefundInstallmentOrder RefundOutcome
        RepayCredit RepayInstallmentPlan RunBills TransactionType activate_installment_plan
        cancel_installment_plan open_bills payoff_quote purchase_on_installment
        refund_installment_order
    """,
    "inventory": """
        Allocation ExpireReservations InventoryPolicy LockPolicy NoFirmLock OpenWarehouse
        OutOfDeliveryRange OutOfStock ReceiveStock ReturnToStock StockDeducted StockItem
        StockLocked StockQueries StockReceived StockReleased StockReserved StockRestocked
        Warehouse
        WarehouseOpened confirm_holds deduct_holds hold_for_order receive_into relax_holds
        release_holds stock_key stock_of
    """,
    "invoicing": """
        BuyerKind DuplicateInvoiceNumber Invoice InvoiceAlreadyRequested
        InvoiceCorrectionDue InvoiceIssued InvoiceLine InvoiceReissued InvoiceRequested
        InvoiceStatus InvoiceStillOwed InvoiceTitle InvoiceVoided IssueInvoice MissingTaxId
        NothingToInvoice OrderNotPaid RefundsNotAttributed ReissueInvoice RequestInvoice
        VoidInvoice
    """,
    "ledger": """
        AccountAlreadyOpen AccountId AccountOpened Balance Bucket COMMISSION Entry
        EntryAlreadyReversed EntryKind EntryNotPending FEES InvalidAccount InvalidEntry
        Journal Journals Ledger Leg MARKETING OpenLedger PENALTIES Phase REFUNDS Role
        SUBSIDY TRANSIT UnbalancedEntry UnknownAccount UnknownEntry UnknownEntryKind
        account_named cash_account counter_moves merchant_account merchant_accounts
        prefetch_entries
    """,
    "merchants": """
        AddMerchantDocument ApplyMerchant ApproveMerchant ChangeGoodsScope DepositDeducted
        DepositPaid DepositReleased DepositShort DepositStillHeld DocumentKind
        EmptyGoodsScope GoodsScopeSet InsufficientDeposit Merchant MerchantAccountOpened
        MerchantApplicationSubmitted MerchantApplied MerchantApproved MerchantClosed
        MerchantClosingStarted MerchantDocumentAdded MerchantDocumentRemoved
        MerchantDocumentReviewed MerchantNotActive MerchantReapplied MerchantReinstated
        MerchantRejected MerchantScored MerchantState MerchantSuspended NotYourMerchant
        OnboardingIncomplete OpenStore OutsideGoodsScope Performance ReapplyMerchant
        RecordMerchantPerformance ReinstateMerchant RejectMerchant RemoveMerchantDocument
        ReviewMerchantDocument SetGoodsScope StartClosingMerchant StoreOpened
        SubmitMerchantApplication SuspendMerchant check_actor merchant_profile
        merchant_score
    """,
    "monitoring": """
        Alarm AlarmEvaluation AlarmFired AlarmLine AlarmNotice AlarmRecovered AlarmRule
        AlarmRuleSaved AlarmSettled AlarmStatus Bar Condition DailyReport Direction
        EvaluateAlarms Figure Grain Incident InvalidAlarmRule MetricSource Reading SaveAlarmRule
        Severity UnknownMetric render_report
    """,
    "notifications": """
        CHANNELS Notifier NotifierUnavailable UnsupportedNotificationChannel
    """,
    "orders": """
        AutoConfirmReceipts BalanceAlreadyPaid BalanceNotOpen CancelOrder
        CancelPresaleOrder ClaimExceedsOrder CloseUnpaidOrders ConfirmReceipt
        CreatePresale DepositNotRefundable DepositRule EndUnpaidPresales Order
        OrderCancelled OrderClosed OrderCompleted OrderDelivered OrderFulfilled
        OrderKind OrderLine OrderPaid OrderPartlyShipped OrderPaymentFailed
        OrderPaymentStarted OrderPlaced OrderPolicy OrderProcurementFailed
        OrderProcuring OrderQueries OrderShipped OrderStatus ParentOrder
        ParentOrderCancelled ParentOrderPaid ParentOrderPlaced ParentStatus
        PaymentInFlight PlaceBalanceOrder PlaceDepositOrder PlaceOrder PlacedOrder
        PresaleBalancePaid PresaleBalancePlaced PresaleDepositForfeited
        PresaleDepositPaid PresaleDepositRefundDue PresaleDepositRefunded
        PresaleListing PresaleOrder PresaleStatus QuoteChanged UnknownPresale
        UnknownSeller cancel_order customer_orders give_back_points merchant_order
        merchant_orders
        presale_deposit_refunded presale_units_refunded
    """,
    "payments": """
        AuthFactor AuthenticateTransaction AuthenticationExpired AuthenticationLapsed
        AuthenticationLocked AuthenticationLockedOut AuthenticationPolicy
        AuthenticationProofRejected AuthenticationRequired CaptureExceedsAuthorization
        ChannelHealth DEFAULT_ROUTING DuplicateRefund ExpirePaymentAuthentications
        GatewayTimeout HandlePaymentNotification INSTALLMENTS NoAuthenticationPending
        NoChannelAvailable NotInstallmentEligible PayByInstallments PayOrder
        PayOrderRouted Payment PaymentAlreadyAuthorized PaymentAnomalyRecorded
        PaymentDenied PaymentFactRecorded PaymentFailed PaymentGateway PaymentInitiated
        PaymentNotAuthorized PaymentNotification PaymentOutcome PaymentQueries
        PaymentStatus PaymentSucceeded RefundAttempted RefundEscalated
        RefundExceedsCapture RefundExceedsPayment RefundFailed RefundNotEscalated
        RefundNotFound RefundNotPending RefundOutcome RefundPolicy RefundReserved
        RefundResolution RefundResolved RefundStatus RefundSucceeded
        ResolveEscalatedRefund RetryRefunds RoutingRule SyncPayment TransactionAuthenticated
        TransactionRisk UnknownChannel UnknownPayment WrongAuthenticationFactor
        WrongProof ask_refund refund_to_payer
    """,
    "play": """
        AlreadyInvited AlreadySignedIn DefineLottery DefineTask DrawLimitReached
        DrawLottery DrawResult EndLottery EndTask GrantStatus HmacRandomness
        InvalidLottery InvalidReward InvalidSignInRules InvalidTask Lottery
        LotteryAlreadyDefined LotteryDraw LotteryDrawn LotterySpec LotteryStatus
        MakeUpNotAllowed MakeUpSignIn OpenLottery Outcome PointsSpender Prize
        ProgressStatus PublishTask ROLL_SCALE Randomness RecordInvitation Reward
        RewardEarned RewardGrant RewardGranted RewardGranter RewardKind RewardRefused
        RewardSubstituted SetSignInRules SignIn SignInCard SignInClosed SignInTerms
        SignedIn StreakReward Task TaskAlreadyDefined TaskCompleted TaskProgress
        TaskSpec TaskStatus TaskTrigger TaskWindow UnknownLottery UnknownTask audit_draw
        hmac_roll
    """,
    "people": """
        AddBankCard BankCard BankCardAdded BankCardRemoved ChangePhone Channel ConsentChanged
        ConsentRecord ForgetPersonalData GrantConsent InvalidBankCard InvalidIdCard
        InvalidPersonalValue InvalidPhone NoPersonalData PersonalData PersonalDataForgotten
        PersonalDataRegistered PersonalKind PhoneChanged RegisterPersonalData RemoveBankCard
        Sealed UnknownBankCard UnknownToken Vault WithdrawConsent
    """,
    "points": """
        ENTRIES_PER_PAGE EarnPoints ExpirePoints InsufficientPoints InvalidPoints PointsAccount
        PointsBook PointsEarned PointsEntriesPage PointsEntry PointsEntryKind PointsExpired
        PointsLot PointsOverCap PointsQueries PointsRate PointsRecord PointsReturnExceeded
        PointsReturned PointsSpent UnknownPointsSpend points_account points_balance points_entries
    """,
    "pricing": """
        Allocation AppliedPromotion BaseRule Bundle BundleItem CartLine Coupon Customer
        DirectReduction Effect FreeShipping FreightCoupon FreightRule FreightTemplate Funding
        FundingShare GiftItem GiftPromotion Hint InvalidCart InvalidFreightTemplate
        InvalidLineQuantity InvalidPromotion KINDS KindRegistry Level MalformedPricingInput
        MerchantPromotion Multibuy PaymentOff PercentTier Pricer PricingRequest Promotion
        PromotionCurrencyMismatch Quote QuoteLine QuoteMemo Range Rejection RejectionCode Scope
        SellerFreight Taken TaxMode ThresholdOff ThresholdPercent Tier UndeliverableDestination
        UnitGroupRule UnitGroups UnitPriceRule UnknownPromotionKind UnknownRange
        exhaustive_quote in_force_window quote quote_from_dict
    """,
    "procurement": """
        AddContractPrice ApprovePurchaseOrder CancelPurchaseOrder ClosePurchaseOrder
        ConfirmSupplierStatement Contract ContractDrafted ContractId ContractNotInForce
        ContractPrice ContractPriceAdded ContractSigned ContractState ContractTerminated
        DraftContract DraftPurchaseOrder InvalidPeriod IssuePurchasesStatement
        IssueSalesStatement NoContractPrice NotOnPurchaseOrder OverlappingPricePeriod
        PaySupplierStatement Period PeriodAlreadySettled PeriodNotClosed PurchaseOrder
        PurchaseOrderApproved PurchaseOrderCancelled PurchaseOrderClosed
        PurchaseOrderDrafted PurchaseOrderId PurchaseOrderLine PurchaseOrderQueries
        PurchaseOrderReceived
        PurchaseOrderState Receipt ReceiptExceedsOrder ReceiptLine ReceivePurchaseOrder
        SaleOutsidePeriod SettledPeriods SignContract SoldLine Statement StatementBasis
        StatementId StatementLine StatementState SupplierStatement
        SupplierStatementConfirmed SupplierStatementIssued SupplierStatementPaid
        TerminateContract
    """,
    "products": """
        AddCategory AddSpecValue Brand BrandCreated BrandId BrandRenamed Category
        CategoryAdded CategoryCycle CategoryId CategoryMoved CategoryRenamed CategoryTree
        CreateBrand CreateSkuFromSpu CreateSpu MoveCategory RenameCategory SetSpuLabels
        SpecCombinationTaken SpecValueAdded Spu SpuContent SpuContentUpdated SpuCreated
        SpuId SpuLabelsChanged SpuVariantAdded UnknownCategory UpdateSpuContent
        load_category_tree
    """,
    "promotions": """
        AddVoucherCodes ApproveCampaign ApproveEnrolments Audience BadCheckCharacter
        BudgetConsumed BudgetExhausted BudgetLimits BudgetReleased BudgetReserved
        Campaign CampaignActivated CampaignApproved CampaignCancelled CampaignCreated
        CampaignEdited CampaignEnded CampaignRejected CampaignRevised CampaignScheduled
        CampaignState CampaignSubmitted CancelCampaign ClaimCoupon ClaimDenied
        ClaimScreen CodeLimits CodeSet CodeSetCreated CouponClaimed CouponExpired
        CouponHeldByAnotherOrder CouponIssued CouponLocked CouponState
        CouponStockExhausted CouponUnlocked CouponUsed CreateCampaign CreateCodeSet
        EditCampaign EnrolSkus EnrolmentsApproved EnrolmentsRejected EnterVoucherCode
        ExpireWalletCoupons GenerateVoucherCodes InvalidBudget InvalidCampaign
        InvalidCodeSet InvalidPresale InvalidVoucherCode NotACouponCampaign
        NotInAudience NotOpenForEnrolment NotYourCampaign PerUserLimitReached Presale
        PresaleNotOpen PresaleQuote PromotionUsage PromotionsReservedForOrder QuoteUsage
        RandomSource RedeemVoucherCode RejectCampaign RejectEnrolments RemoveVoucherCode
        ReviseCampaign ScheduleCampaign SkuEnrolledByAnother SkusEnrolled SubmitCampaign
        TickCampaigns TooManyVoucherCodes UnknownCoupon UnknownEnrolment
        UnknownReservation UnknownVoucherCode UsageCapReached UsageCounts VoucherCode
        VoucherCodeAlreadyUsed VoucherCodeEntered VoucherCodeExpired
        VoucherCodeGivenBack VoucherCodeNotYetValid VoucherCodeQueries
        VoucherCodeRemoved VoucherCodeTaken VoucherCodeUsed VoucherCodeUsedUp
        VoucherCodesAdded VoucherCodesGenerated Wallet audience_exclusions
        campaign_discounts campaign_offers consume_for_order display_code normalize_code
        presale_quote price_within_budgets release_for_order reserve_for_order
        usage_counts usage_for_quote with_code_rejections
    """,
    "qualification": """
        DocumentExpired DocumentKind DocumentReview DuplicateDocument InvalidExpiryDate
        MissingDocument Qualification QualificationDocument ReviewIncomplete UnknownDocument
    """,
    "reach": """
        ActivateReachCampaign CAMPAIGN_FLOW CampaignInvalid Cap DefineReachCampaign
        EndReachCampaign Expiry FollowStore HELD_FLOW HeldMessage HeldRunSummary
        HeldStatus Inbox InboxMessage Messenger OutOfReachScope OutgoingMessage
        PauseReachCampaign PersonalValueInTemplate QuietHours RUN_FLOW ReachCampaign
        ReachChannel ReachCustomer ReachOutcome ReachPolicy ReachQueries ReachReport
        ReachRun Receipt RecordReceipt RecordReturn RunReachCampaign RunStatus
        RunSummary SaveTemplate SendHeldMessages SetReachTimeZone SkipReason
        StoreAudience TOUCH_FLOW Template TemplateInvalid TemplateValueInvalid Touch
        TouchSent TouchStatus Trigger TriggerKind UnfollowStore UnknownTemplateVariable
        UserReach VarType VariationReport held_messages inbox_of reach_report
    """,
    "risk": """
        AssessTransaction AssessUser AssessmentConflict DecideReview ExpireReviews FEATURES
        FeaturePolicy FiredRule InvalidRiskInput KeyKind KeyListed LabelRisk LinkIdentity
        ListColor ListKey NotListed NoteDelivery Outcome ReviewCase ReviewClosed ReviewOpened
        ReviewOutcome ReviewPolicy ReviewQueries ReviewStatus RiskAction RiskAssessment
        RiskDecided RiskKey RiskLabel RiskRule RiskScenarios RuleScore RuleScores Subject
        UnknownReviewCase UnknownRiskAccount UnlistKey anti_money_laundering anti_order_brushing
        anti_wool_pulling linked_accounts_of risk_scenario rule_report rules_by_action
        standard_rules user_control
    """,
    "recommendation": """
        ATTRIBUTION_WINDOW DefaultRanker Features InvalidPipeline Pipeline Ranker
        RankingContext RecallSource Recommendation RecommendedItem Removed SetSkuRating
        VariationTally recommend variation_tally
    """,
    "schedules": """
        FeePayer GradePricing InstallmentTerms InvalidPlan Reschedule Schedule
        ScheduleMethod ScheduleRow TermOffer amortize apr_of build_schedule div_half_up
        due_dates price_plan schedule_from_dict
    """,
    "settlement": """
        AlreadySettled BalancesOutstanding BookOrderPayment BookPlatformGoodwill
        BookRefund ChangeSettlementTerms ChargeMarketing ClearingAccountOpened
        CloseMerchant CommissionTable CommissionTableSet CompensateCustomer
        CompleteOrder CustomerCompensated CycleKind DeductDeposit FinalSettlementPosted
        InsufficientBalance InvalidRate InvalidSale MarketingCharged MarketingRecharged
        MerchantAccount MerchantAccountClosed MerchantBalances NO_SCREEN
        NegativeBalancePolicy NothingToSettle OpenMerchantAccount OrderClearing
        OrderCompleted OrderNotCompleted OrderPaymentBooked OrderSettled PayDeposit
        Payout PayoutTimeout PreSettle Recharge ReconciliationReport RefundBooked
        RefundExceedsPaid RefundKind ReleaseWithdrawal RequestWithdrawal RunSettlement
        SaleLine SetCommissionTable SettleFinally SettlementCycle SettlementQueries
        SettlementStatement SettlementTerms SettlementTermsChanged StatementId
        StatementIssued SyncWithdrawal UnknownLine UnknownPayout Withdrawal
        WithdrawalDenied WithdrawalFailed WithdrawalId WithdrawalLimitExceeded
        WithdrawalLimits WithdrawalOutcome WithdrawalPaid WithdrawalRequested
        WithdrawalScreen WithdrawalScreening WithdrawalState WithdrawalVerdict
        book_order_payment book_platform_goodwill book_refund complete_order
        merchant_money merchant_order merchant_statement merchant_withdrawal
        reconciliation_report
    """,
    "suppliers": """
        AddQualificationDocument ApplySupplier ApproveSupplier ConsignmentAck
        ConsignmentChannel ConsignmentShipment ConsignmentTimeout DocumentKind
        PushConsignmentOrder QualificationDocumentAdded QualificationDocumentRemoved
        QualificationDocumentReviewed ReapplySupplier ReinstateSupplier RejectSupplier
        RemoveQualificationDocument ReviewQualificationDocument SubmitSupplierApplication
        Supplier SupplierApplicationSubmitted SupplierApplied SupplierApproved
        SupplierNotActive SupplierReapplied SupplierReinstated SupplierRejected
        SupplierResult SupplierState SupplierStatus SupplierSuspended SupplierTerminated
        SupplierTimeout SupplierType SuspendSupplier TerminateSupplier
        UnknownConsignmentOrder UnknownPurchase VirtualGoodsSupplier WrongSupplierType
        push_consignment_order
    """,
    "search": """
        BigramSegmenter FACETS HIDDEN_WORD_SCENARIO HiddenWord Intent InvalidSearchDocument
        InvalidSearchQuery MAX_PAGE_SIZE Pinyin PriceRange ReindexSearch Search SearchDocument
        SearchHit SearchIndex SearchQuery SearchResults Segmenter Sort correct edit_distance
        hidden_word hot_words intent is_han normalize related_words words
    """,
    "tags": """
        ATTRIBUTE_TAGS BUILTIN_TAGS BackfillUserActivity COMPUTED_TAGS CreditGradeFact
        DataSource DefineTag Fact InstallBuiltinTags InstallmentFact LoadBatchValues
        OrderCompletedFact OrderPaidFact PublishTag PushTagValues RefundFact RestoreTag
        RetireTag ReviseTag Subject SubjectTags TagAlreadyDefined TagCatalog TagCatalogCache
        TagDefined
        TagDefinition TagKind TagNotOnline TagNotPushed TagPublished TagRestored TagRetired
        TagRevised TagSpec TagStatus TagValue TagValueMismatch TagValuesSet UnknownTag
        UserActivity ValueKind ValueType recompute tag_catalog tag_status values_of
    """,
    "traffic": """
        ArchivePage COMPONENTS ComponentType ContentKind CreatePlacement
        DanglingReference DefinePosition EndPlacement Excluded FieldInvalid FieldType
        ForeignContent ForeignReference ImpressionLog LeftOut MissingStrategy NotYours
        OverStoreCaps Page PageArchived PageContent PageDraftSaved PageInvalid
        PagePublished PageRolledBack PageState PageVersion PageView PausePlacement
        PlacedContent Placement PlacementCreated PlacementInvalid PlacementMoved
        PlacementState Position PositionDefined PositionInvalid PositionKind PublishPage
        ResumePlacement RollBackPage STORE_CAPS SavePageDraft SchedulePlacement Shown
        ShownComponent StoreCaps StorePositionAdded Storefront Targeting TickPlacements
        TrafficQueries TrafficView UnknownComponent VersionUnknown ViewPosition
        live_page page_from_json preview_page
    """,
}

#: At most this many names; a context over it is split along its seam, unless it is
#: listed below with the reason it stays whole.
LIMIT = 60
LARGER = {
    "payments": "the cashier and every refund's life (intents, attempts, retries, "
    "escalation and its manual resolution) share one aggregate, Payment, whose facts they fold",
    "promotions": "20 commands, 30 events and 28 errors of campaigns, budgets, usage caps, "
    "wallets, voucher codes and pre-sale; wallets and codes cannot leave: an order's "
    "reservation locks its coupons and holds its codes with its budgets",
    "settlement": "18 commands, 16 events and 13 errors; order clearing and merchant accounts "
    "settle each other in one unit of work, so they stay one context",
}


#: Handlers another context calls inside its own unit of work (each is checked to be
#: called from another context, so the list cannot rot).
CALLED_IN_PROCESS = {
    "orders": {"cancel_order"},
    "funding": {"finance_installment_order"},
    "installments": {
        "activate_installment_plan",
        "cancel_installment_plan",
        "purchase_on_installment",
        "refund_installment_order",
    },
    "settlement": {"book_order_payment", "book_platform_goodwill", "book_refund", "complete_order"},
    "suppliers": {"push_consignment_order"},
}
SOURCE = Path(merx.__file__).parent


def contexts() -> set[str]:
    not_contexts = {"adapters", "app", "errors", "kernel", "testing"}
    return {
        module.name
        for module in pkgutil.iter_modules(merx.__path__)
        if module.ispkg and module.name not in not_contexts
    }


def test_every_context_is_pinned() -> None:
    assert set(PINNED) == contexts()


@pytest.mark.parametrize("context", sorted(PINNED))
def test_the_public_api_is_exactly_the_pinned_names(context: str) -> None:
    module = importlib.import_module(f"merx.{context}")
    pinned = PINNED[context].split()
    assert sorted(module.__all__) == pinned
    for name in pinned:
        assert getattr(module, name) is not None


@pytest.mark.parametrize("context", sorted(PINNED))
def test_public_apis_stay_small(context: str) -> None:
    size = len(PINNED[context].split())
    assert size <= LIMIT or context in LARGER, f"merx.{context} exports {size} names"


@pytest.mark.parametrize("context", sorted(PINNED))
def test_no_handler_or_serde_helper_is_public(context: str) -> None:
    module = importlib.import_module(f"merx.{context}")
    for name in module.__all__:
        value = getattr(module, name)
        assert not getattr(value, "__module__", "").endswith(".serde"), name
        if inspect.isfunction(value) and name not in CALLED_IN_PROCESS.get(context, ()):
            parameters = list(inspect.signature(value).parameters)
            assert parameters[:2] != ["cmd", "uow"], f"merx.{context}.{name} is a handler"


@pytest.mark.parametrize(
    ("context", "name"),
    sorted((context, name) for context, names in CALLED_IN_PROCESS.items() for name in names),
)
def test_a_public_handler_is_called_by_another_context(context: str, name: str) -> None:
    callers = [
        path
        for path in SOURCE.glob("*/**/*.py")
        if path.parent.name not in (context, "adapters")
        and re.search(rf"\b{name}\b", path.read_text(encoding="utf-8"))
    ]
    assert callers, f"merx.{context}.{name} is public but no other context calls it"
