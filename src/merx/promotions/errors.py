"""Errors of the promotions context (campaigns, budgets, wallets, pre-sale), each under
one of the ``merx.errors`` families. Errors of a definition or a cart are
:mod:`merx.pricing.errors`."""

from __future__ import annotations

from merx.kernel.errors import (
    AlreadyExists,
    BusinessRuleViolation,
    NotFound,
    Unauthorized,
    ValidationError,
)

# -- campaigns -------------------------------------------------------------------------


class InvalidCampaign(ValidationError):
    """A campaign's definition, owner or limits do not fit together."""


class NotYourCampaign(Unauthorized):
    """A merchant acted on another owner's campaign, or did what only the platform does."""


class NotOpenForEnrolment(BusinessRuleViolation):
    """The campaign takes no enrolments (it is not a platform campaign open for them)."""


class SkuEnrolledByAnother(BusinessRuleViolation):
    """Another merchant already enrolled this SKU in the campaign."""


class UnknownEnrolment(NotFound):
    """No merchant enrolled this SKU in the campaign."""


class NotACouponCampaign(BusinessRuleViolation):
    """Coupons are claimed from coupon campaigns only."""


# -- budgets ---------------------------------------------------------------------------


class InvalidBudget(ValidationError):
    """A budget limit is malformed (a zero or negative count, a negative amount...)."""


class BudgetExhausted(BusinessRuleViolation):
    """The campaign's discount budget cannot cover this order's discount.

    ``campaign_id`` names the campaign, so checkout can quote again without it.
    """

    def __init__(self, campaign_id: str, message: str) -> None:
        super().__init__(message)
        self.campaign_id = campaign_id


class PerUserLimitReached(BusinessRuleViolation):
    """The customer already used (or claimed) the campaign as often as it allows."""

    def __init__(self, campaign_id: str, customer_id: str, message: str) -> None:
        super().__init__(message)
        self.campaign_id = campaign_id
        self.customer_id = customer_id


class ClaimDenied(BusinessRuleViolation):
    """The claim screen (risk control) refused a coupon claim: nothing was claimed."""


class NotInAudience(BusinessRuleViolation):
    """The campaign's audience decision leaves the customer out (or could not be made)."""

    def __init__(self, campaign_id: str, message: str) -> None:
        super().__init__(message)
        self.campaign_id = campaign_id


class UsageCapReached(BusinessRuleViolation):
    """A usage cap of the campaign is reached: ``cap`` names it (``"max_uses"``,
    ``"per_user_per_day"``, ``"per_order_units"``); ``campaign_id`` names the campaign, so
    checkout can quote again without it."""

    def __init__(self, campaign_id: str, cap: str, message: str) -> None:
        super().__init__(message)
        self.campaign_id = campaign_id
        self.cap = cap


class CouponStockExhausted(BusinessRuleViolation):
    """Every coupon of the campaign's stock has been claimed."""

    def __init__(self, campaign_id: str, message: str) -> None:
        super().__init__(message)
        self.campaign_id = campaign_id


class UnknownReservation(NotFound):
    """The campaign holds no reservation for this order."""


# -- wallets ---------------------------------------------------------------------------


class UnknownCoupon(NotFound):
    """The customer's wallet holds no coupon with this id."""


class CouponHeldByAnotherOrder(BusinessRuleViolation):
    """The coupon is locked by another order than the one named."""


# -- pre-sale --------------------------------------------------------------------------


class InvalidPresale(ValidationError):
    """A pre-sale definition is malformed (deposit above the final price, a bad window...)."""


class PresaleNotOpen(BusinessRuleViolation):
    """Deposits are not taken at this instant (before the pre-sale, or the balance window
    has opened)."""


# -- voucher codes ---------------------------------------------------------------------


class InvalidCodeSet(ValidationError):
    """A code set's limits or window are malformed, or it names no coupon campaign."""


class InvalidVoucherCode(ValidationError):
    """The text is not a voucher code: wrong length, or a character codes never hold."""


class BadCheckCharacter(InvalidVoucherCode):
    """The code's last character does not check its others: a typo, not a code."""


class UnknownVoucherCode(NotFound):
    """No code set holds this code (or it is not entered at the customer's checkout)."""


class VoucherCodeTaken(AlreadyExists):
    """A hand-picked code is held already (by any set of the shop, in any case), or was
    given twice; ``code`` names it (normalized)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class VoucherCodeNotYetValid(BusinessRuleViolation):
    """The code's set opens later (``starts_at``)."""


class VoucherCodeExpired(BusinessRuleViolation):
    """The code's set closed (``ends_at`` passed)."""


class VoucherCodeUsedUp(BusinessRuleViolation):
    """The code was used as many times as its set allows (``uses_per_code``)."""


class VoucherCodeAlreadyUsed(BusinessRuleViolation):
    """The customer already used a code of this once-per-customer set."""


class TooManyVoucherCodes(BusinessRuleViolation):
    """The checkout already holds as many codes as it takes."""
