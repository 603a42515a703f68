"""merx.funding: the sources of funds behind installment assets; today the ``Funder`` port."""

from merx.funding.ports import (
    AssetAlreadyFinanced,
    AssetNotFinanced,
    Funder,
    FunderTimeout,
    FundingDecision,
    FundingStatus,
)

__all__ = [
    "AssetAlreadyFinanced",
    "AssetNotFinanced",
    "Funder",
    "FunderTimeout",
    "FundingDecision",
    "FundingStatus",
]
