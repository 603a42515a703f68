"""Wiring of behaviour, recommendation and search ads (issue 19), and what the app reads
through them: a search page with its ads, hot and related words from the behaviour query
log, and a recommendation under an experiment."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial

import attrs

from merx import ads, behaviour, orders, recommendation, search
from merx.ads import services as ads_services
from merx.behaviour import services as behaviour_services
from merx.kernel.bus import MessageBus
from merx.kernel.clock import Clock
from merx.kernel.errors import NotFound
from merx.kernel.ids import MerchantId
from merx.kernel.money import Money
from merx.kernel.uow import UnitOfWork
from merx.kernel.vault import Vault
from merx.ledger import Journals
from merx.recommendation import services as recommendation_services
from merx.settlement import services as settlement_services


@attrs.frozen
class SettlementMarketing:
    """:class:`merx.ads.MarketingAccount` on settlement's merchant accounts and ledger."""

    journals: Journals
    clock: Clock

    def covers(self, uow: UnitOfWork, merchant_id: MerchantId, amount: Money) -> bool:
        """False too for a merchant with no account (its ads never show)."""
        try:
            balance = settlement_services.marketing_balance(uow, self.journals, merchant_id)
        except NotFound:
            return False
        return balance.currency == amount.currency and balance >= amount

    def charge(
        self, uow: UnitOfWork, merchant_id: MerchantId, charge_id: str, amount: Money
    ) -> bool:
        return settlement_services.stage_marketing_charge(
            uow, self.journals, merchant_id, charge_id, amount, self.clock.now()
        )


def register_discovery(
    bus: MessageBus, *, clock: Clock, vault: Vault, journals: Journals
) -> SettlementMarketing:
    """Behaviour tracking, the recommendation documents' subscribers, search ads. The
    marketing account ads charge (returned: what the app reads ads with)."""
    bus.register(
        behaviour.TrackBehaviour,
        partial(behaviour_services.track_behaviour, clock=clock, vault=vault),
    )
    bus.register(recommendation.SetSkuRating, recommendation_services.set_sku_rating)
    bus.subscribe(orders.ParentOrderPaid, recommendation_services.follow_paid_orders)
    bus.subscribe(behaviour.BehaviourTracked, recommendation_services.count_clicks)
    marketing = SettlementMarketing(journals, clock)
    bus.register(ads.CreateAdCampaign, ads_services.create_ad_campaign)
    bus.register(ads.PauseAdCampaign, ads_services.pause_ad_campaign)
    bus.register(ads.ResumeAdCampaign, ads_services.resume_ad_campaign)
    bus.register(ads.ClickAd, partial(ads_services.click_ad, clock=clock, marketing=marketing))
    return marketing


def logged_searches(uow: UnitOfWork, now: datetime, window: timedelta) -> list[search.Search]:
    """The behaviour query log of ``window`` ending at ``now`` as what
    :func:`merx.search.hot_words` and :func:`merx.search.related_words` count."""
    return [
        search.Search(s.session_id, s.text, s.at)
        for s in behaviour.searches_logged(uow, now - window, now)
    ]
