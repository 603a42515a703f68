"""A stateful machine against a reference model: an ad campaign's clicks (some sent
again), recharges, pauses and days passing; after every step the merchant's marketing
balance, the campaign's spend today and its clicks match the model, a click is charged
at most once, and the ad shows exactly when the model says it can be paid."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from merx import ads, settlement
from merx.adapters.memory import FixedClock
from merx.app import App, build_memory_app
from merx.errors import MerxError
from merx.kernel.ids import MerchantId
from merx.search import SearchQuery
from tests.discovery.world import cny, shop

BID, BUDGET = 30, 100  # minor units: 0.30 a click, 1.00 a day


class AdMachine(RuleBasedStateMachine):
    app: App
    leaf: MerchantId

    @initialize()
    def open(self) -> None:
        self.app = build_memory_app()
        self.leaf = shop(self.app, marketing="1.00")[0]
        self.app.handle(
            ads.CreateAdCampaign("c", self.leaf, ("tea-1",), ("tea",), cny("0.30"), cny("1.00"))
        )
        self.balance, self.spent, self.clicks, self.active = 100, 0, set[str](), True
        self.recharges = 0

    @rule(click=st.integers(0, 12))
    def click(self, click: int) -> None:
        key = f"k{click}"
        payable = self.active and self.spent + BID <= BUDGET and self.balance >= BID
        try:
            charged = self.app.handle(ads.ClickAd(key, "c", "tea-1"))
        except MerxError:
            assert key not in self.clicks
            assert not payable
            return
        if key in self.clicks:
            assert charged is False
            return
        assert charged
        assert payable
        self.clicks.add(key)
        self.balance -= BID
        self.spent += BID

    @rule(amount=st.sampled_from([10, 50, 100]))
    def recharge(self, amount: int) -> None:
        self.recharges += 1
        money = cny(f"{amount // 100}.{amount % 100:02d}")
        self.app.handle(
            settlement.Recharge(self.leaf, self.leaf, f"rc-{self.recharges}", money, "alipay")
        )
        self.balance += amount

    @rule()
    def pause_or_resume(self) -> None:
        command = ads.PauseAdCampaign if self.active else ads.ResumeAdCampaign
        self.app.handle(command("c"))
        self.active = not self.active

    @rule()
    def next_day(self) -> None:
        clock = self.app.clock
        assert isinstance(clock, FixedClock)
        clock.advance(timedelta(days=1))
        self.spent = 0

    @invariant()
    def matches_the_model(self) -> None:
        with self.app.unit_of_work() as uow:
            money = settlement.merchant_money(uow, self.leaf, self.leaf, journals=self.app.journals)
        campaign = self.app.get(ads.AdCampaign, "c")
        assert money.marketing.minor == self.balance
        assert campaign.spent_on(self.app.clock.now().date()).minor == self.spent
        assert campaign.clicks == len(self.clicks)
        showable = self.active and self.spent + BID <= BUDGET and self.balance >= BID
        shown = self.app.search_page(SearchQuery("tea")).ads
        assert [item.sku_id for item in shown] == (["tea-1"] if showable else [])


TestAdMachine = AdMachine.TestCase
TestAdMachine.settings = settings(max_examples=8, stateful_step_count=20, deadline=None)
