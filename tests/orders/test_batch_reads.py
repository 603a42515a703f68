"""The pre-sale timer reads only the pre-sale orders whose balance window closed unpaid:
found through ``OrderQueries.presales_unpaid_after_window``, never by loading every
pre-sale order (counted through a unit of work that counts its reads)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from merx import orders, payments
from merx.errors import InvalidQuantity
from merx.orders import EndUnpaidPresales, PresaleOrder, PresaleStatus
from merx.orders.presale_services import end_unpaid_presales
from tests.counting import CountingUnitOfWork
from tests.orders.test_presale import BALANCE_ENDS, BALANCE_STARTS, customer, deposited, world


def test_the_presale_timer_reads_only_the_presales_whose_window_closed_unpaid() -> None:
    app, _ = world(stock=20)
    kept = [deposited(app, f"kept-{n}") for n in range(6)]
    unpaid = [deposited(app, f"late-{n}") for n in range(3)]
    never = app.handle(orders.PlaceDepositOrder(customer(app, "never"), "ps-watch", 1))
    app.clock.set(BALANCE_STARTS)
    for presale_id in kept:
        balance = app.handle(orders.PlaceBalanceOrder(presale_id))
        app.handle(payments.PayOrder(balance.parent_id, "alipay"))
    app.clock.set(BALANCE_ENDS)

    with CountingUnitOfWork(app.unit_of_work()) as counting:
        ended = end_unpaid_presales(
            EndUnpaidPresales(limit=2), counting, clock=app.clock, queries=app.queries.orders
        )
    assert ended == unpaid[:2]
    assert counting.of(PresaleOrder) == set(unpaid[:2])
    assert not counting.scans

    assert app.handle(EndUnpaidPresales()) == unpaid[2:]
    statuses = {app.get(PresaleOrder, key).status for key in unpaid}
    assert statuses == {PresaleStatus.FORFEITED}
    assert app.get(PresaleOrder, never.parent_id).status is PresaleStatus.AWAITING_DEPOSIT
    with CountingUnitOfWork(app.unit_of_work()) as counting:
        again = end_unpaid_presales(
            EndUnpaidPresales(), counting, clock=app.clock, queries=app.queries.orders
        )
    assert again == []
    assert not counting.loaded
    app.clock.advance(timedelta(days=1))
    assert list(app.queries.orders.presales_unpaid_after_window(app.clock.now())) == []


@pytest.mark.parametrize("limit", [0, -1, True, 1.5])
def test_a_wrong_limit_is_refused(limit: object) -> None:
    app, _ = world()
    with pytest.raises(InvalidQuantity):
        app.handle(EndUnpaidPresales(limit=limit))  # type: ignore[arg-type]
