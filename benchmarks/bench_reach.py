"""Reach: one segment trigger over 100,000 users, with consent and caps, on one core.

The store holds 100,000 users' personal data (sealed values, built directly: tokenizing
100,000 phones at the vault is the registration's cost, not the trigger's). Three in four
consented to SMS; a third were reached once in the last day (they are capped by the
platform's 1 SMS a day); the segment is the scenario ``reach.lapsed`` over
``days_since_last_order >= 90`` (the host's tag store: a dict, as a host that keeps
its tags elsewhere gives it), built by ``examples/reach_world.py`` as the reach tests and
the example build it. Timed: one :class:`merx.reach.RunReachCampaign` through
``app.handle``: for each user the decision, the consent, the caps and quiet hours, the
template, the delivery through the memory messenger and the touch and the user's sends
stored; in chunks of 1,000 users, each committed with the run's cursor.

Issue 17's goal: < 10 s. Run: ``python benchmarks/bench_reach.py [users]``. Figures are
printed, never asserted.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from merx import reach
from merx.adapters.memory import FixedClock
from merx.app import MemoryApp, build_memory_app
from merx.kernel.ids import CustomerId
from merx.people import Channel, ConsentRecord, PersonalData, PersonalKind, Sealed
from merx.reach import ReachChannel, UserReach, VarType
from merx.reach.model import Send

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))
from reach_world import DAYS_TAG, host_tags, publish_lapsed_segment, sms_campaign

#: 10:00 in Shanghai: outside the quiet hours
AT = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)


class BenchVault:
    """The benchmark's vault: a sealed phone ``vt-phone-N`` is ``1380000N`` (the users'
    personal data is built directly, never tokenized)."""

    def tokenize(self, kind: PersonalKind, value: str) -> str:
        raise NotImplementedError

    def reveal(self, token: str) -> str:
        return f"138{int(token.rsplit('-', 1)[1]):08d}"

    def forget(self, token: str) -> None:
        raise NotImplementedError

    def digest(self, kind: PersonalKind, value: str) -> str:
        raise NotImplementedError


def prepared(users: int) -> MemoryApp:
    catalog, values = host_tags()
    app = build_memory_app(
        clock=FixedClock(AT),
        tag_catalog=catalog,
        tag_values=values,
        check_views=False,
        vault=BenchVault(),
    )
    publish_lapsed_segment(app)
    with app.unit_of_work() as uow:
        for n in range(users):
            cid = CustomerId(f"u{n:06d}")
            person = PersonalData(
                id=cid,
                name=Sealed(f"vt-name-{n}", "U****"),
                phone=Sealed(f"vt-phone-{n}", "138****0000"),
            )
            if n % 4:
                person.consents.append(ConsentRecord(Channel.SMS, True, AT, "app"))
            uow.repo(PersonalData).add(person)
            values.set(cid, {DAYS_TAG: Decimal(30 + n % 200)})
            if n % 3 == 0:
                sent = Send(f"earlier/{n}", ReachChannel.SMS, AT - timedelta(hours=3))
                uow.repo(UserReach).add(UserReach(id=cid, sends=[sent]))
        uow.commit()
    sms_campaign(
        app, "lapsed", body="{customer_name}: 50% off until {until}",
        variables={"until": VarType.DATE}, values={"until": "2026-06-08"},
    )  # fmt: skip
    return app


def one_run(users: int) -> tuple[float, reach.RunSummary]:
    app = prepared(users)
    started = time.process_time()
    summary = app.handle(reach.RunReachCampaign("lapsed", "2026-06-01"))
    return time.process_time() - started, summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("users", nargs="?", type=int, default=100_000)
    users = parser.parse_args().users
    seconds, summary = one_run(users)
    skipped = ", ".join(f"{r.value} {n}" for r, n in sorted(summary.skipped.items(), key=str))
    print(f"segment trigger over {users:,} users: {seconds:.2f} s of CPU (goal < 10 s)")
    print(f"  {summary.considered:,} considered, {summary.sent:,} sent; skipped: {skipped}")
    print(f"  {users / seconds:,.0f} users a second")


if __name__ == "__main__":
    main()
