"""A top-up opens in the model: one unit per unit bought, recorded; a goods order is refused."""

from __future__ import annotations

import attrs
import pytest

from merx.fulfillment import NotATopUp, TopUp, TopUpOpened, UnitStatus
from merx.kernel.money import Money
from tests.orders.test_rules import order, paid, topup


def test_a_top_up_opens_one_purchase_per_unit_and_records_it() -> None:
    bought = topup()
    top_up = TopUp.open(bought)
    assert [unit.status for unit in top_up.units.values()] == [UnitStatus.UNKNOWN]
    assert top_up.pull_events() == [TopUpOpened(top_up.id, bought.id, 1)]
    assert not top_up.credited
    assert top_up.refund_due == Money.zero("CNY")


def test_a_goods_order_is_not_a_top_up() -> None:
    goods = paid(order())
    before = attrs.asdict(goods)
    with pytest.raises(NotATopUp):
        TopUp.open(goods)
    assert attrs.asdict(goods) == before


def test_failed_units_say_why_and_what_goes_back() -> None:
    top_up = TopUp.open(topup())
    (key,) = top_up.units
    top_up.settle(key, UnitStatus.FAILED, "ref-1", "number not found")
    assert (top_up.settled, top_up.credited) == (True, False)
    assert top_up.failure == "number not found"
    assert top_up.refund_due == top_up.units[key].net
