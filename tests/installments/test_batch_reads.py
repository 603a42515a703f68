"""The month-end bill run reads only the credit accounts it bills: found through
``InstallmentQueries``, never by loading every account (counted through a unit of work
that counts its reads)."""

from __future__ import annotations

from datetime import date

from merx.adapters.memory import MemoryInstallmentQueries, MemoryUnitOfWork
from merx.credit import CreditAccount
from merx.installments import RunBills
from merx.installments.services import run_bills
from merx.kernel.ids import CustomerId
from tests.counting import CountingUnitOfWork
from tests.credit.world import CreditWorld


def test_the_bill_run_reads_only_the_accounts_it_bills(world: CreditWorld) -> None:
    billed = {CustomerId("ann"), CustomerId("bo")}
    for who in billed:
        world.open_account(who)
        world.buy("1200.00", 6, order=f"ord-{who}", customer=who)
    world.open_account(CustomerId("cy"), statement_day=15)  # billed on the 15th
    world.buy("1200.00", 6, order="ord-cy", customer=CustomerId("cy"))
    for idle in ("dee", "eli", "fay"):  # no plan: nothing to bill
        world.open_account(CustomerId(idle))
    world.go_to(date(2026, 3, 1))

    with CountingUnitOfWork(MemoryUnitOfWork(world.store)) as uow:
        queries = MemoryInstallmentQueries(world.store)
        run = run_bills(RunBills(), uow, clock=world.clock, queries=queries)

    assert run.bills == 2
    assert uow.of(CreditAccount) == billed
    assert not uow.scans
