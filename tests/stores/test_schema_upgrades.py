"""Databases written by every earlier schema open and upgrade, on SQLite and PostgreSQL.

``fixtures/schema-2.json.gz`` holds the documents an earlier merx (schema 2) wrote for a
day of 30 orders on all four journeys: the ledger's balances inside its document, each
entry a ``journal.JournalEntry`` document numbered from 0, withdrawals and statements
naming their entry by number. An old database is rebuilt from them with the schema steps
of its version (schema 1: no index table) and opened by this merx: the index is rebuilt,
the journal leaves the documents for its tables with every balance as it was, the
personal values the old documents held in clear (phones, top-up accounts, declared
identities) are sealed in the database's vault table (schema 7), points accounts
(``fixtures/points-schema-9.json``, as schema 9 wrote them: every entry inside the
account) keep their balance and open lots while their entries become records of their own
(schema 11), and trade goes on.
"""

from __future__ import annotations

import functools
import gzip
import json
import sqlite3
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from merx import (
    catalog,
    credit,
    customers,
    inventory,
    orders,
    payments,
    people,
    points,
    promotions,
    reach,
    settlement,
)
from merx.adapters.documents import SchemaTooOld
from merx.adapters.indexed import IndexedOrderQueries
from merx.adapters.memory import FixedClock, SequentialIds
from merx.adapters.sealing import SEALED_SINCE_7, readable
from merx.adapters.sqlite import (
    INDEXED_SINCE_2,
    MIGRATIONS,
    SCHEMA_VERSION,
    SqliteDatabase,
    schema_version_of,
)
from merx.app import StoredApp, build_app, build_memory_app, cli
from merx.app.documents import documents
from merx.app.stores import Database
from merx.customers import Address
from merx.fulfillment import TopUp
from merx.kernel.command_records import PurgeCommandRecords
from merx.kernel.ids import PLATFORM, CustomerId, MerchantId, OrderId, SkuId, WarehouseId
from merx.kernel.money import Money
from merx.kernel.replies import KEPT_FOR, CommandRecord, RecordState
from merx.kernel.vault import Sealed
from merx.ledger import Bucket as LedgerBucket
from merx.ledger import EntryKind, Ledger, Phase, merchant_account
from merx.orders import PresaleOrder
from merx.settlement import SettlementStatement, Withdrawal
from merx.testing.queries import ScanningOrderQueries

FIXTURE = Path(__file__).parent / "fixtures" / "schema-2.json.gz"
POINTS_FIXTURE = Path(__file__).parent / "fixtures" / "points-schema-9.json"
#: The day's last instant in the fixture, give or take: the upgraded shop trades on from it.
AFTER = datetime(2026, 1, 26, tzinfo=UTC)

Row = tuple[str, str, int, Any]


def fixture_rows() -> list[Row]:
    data = json.loads(gzip.decompress(FIXTURE.read_bytes()))
    assert data["schema"] == 2
    return [(kind, key, version, document) for kind, key, version, document in data["documents"]]


def command_record_rows() -> list[Row]:
    """Command records as the bus of schema 4 or 5 kept them (no index entry before
    schema 6): one expired by :data:`AFTER`, one still kept then."""
    known = documents()
    rows: list[Row] = []
    for key, age in (("expired-key", KEPT_FOR * 2), ("live-key", KEPT_FOR / 2)):
        record = CommandRecord(
            id=key, command="merx.orders.PlaceOrder", fingerprint="f" * 64, at=AFTER - age,
            state=RecordState.DONE,
        )  # fmt: skip
        rows.append((known.name_of(CommandRecord), key, 1, known.write(record)))
    return rows


def points_rows() -> list[Row]:
    """Points accounts as schema 9 wrote them (every entry inside; added to every old
    database, as the pre-sales are: the fixture predates points)."""
    data = json.loads(POINTS_FIXTURE.read_text(encoding="utf-8"))
    return [(kind, key, version, document) for kind, key, version, document in data["documents"]]


def old_rows() -> list[Row]:
    """Every document an old database holds."""
    return [*fixture_rows(), *command_record_rows(), *points_rows()]


def migrations_upto(schema: int, *, after: int = 0) -> list[Any]:
    """The steps of versions after ``after`` up to ``schema`` (the code's own list, which
    may skip a number another branch holds)."""
    return [m for m in MIGRATIONS if after < m.version <= schema]


#: Every schema a database may have been written by before this one.
EARLIER = [m.version for m in MIGRATIONS[:-1]]


#: The payment index entries schema 4 began to write (a schema-3 database lacks them).
NEW_IN_4 = ("awaiting_sync", "refund_pending", "refund_escalated")

PRESOLD = SkuId("presold")


def presale_rows() -> tuple[Row, ...]:
    return presales()[0]


@functools.cache
def presales() -> tuple[tuple[Row, ...], dict[str, OrderId]]:
    """Pre-sale orders in every state the timer tells apart, as the merx of schema 4
    wrote them (no schema before 5 indexed them; the fixture predates pre-sales, so they
    are added to every old database), and their ids by customer: at :data:`AFTER`,
    ``ps-1-a`` was forfeited, ``ps-2``'s window has closed on ``ps-2-a`` (deposit paid
    only) and not on ``ps-2-b`` (balance paid), ``ps-3``'s is open on ``ps-3-a`` (balance
    placed, unpaid)."""
    day = timedelta(days=1)
    start = AFTER - 10 * day
    app = build_memory_app(clock=FixedClock(start))
    app.handle(catalog.CreateSku(PRESOLD, "Watch", PLATFORM, "watch", Money.of("900", "CNY")))
    app.handle(inventory.OpenWarehouse(WarehouseId("dc"), "DC", "-", {"sh": 1}))
    app.handle(inventory.ReceiveStock(WarehouseId("dc"), PRESOLD, 10, "po"))
    for listing, opens, closes in (("ps-1", 1, 2), ("ps-2", 3, 5), ("ps-3", 3, 13)):
        terms = promotions.Presale(
            sku=PRESOLD, deposit=Money.of("10", "CNY"), deposit_value=Money.of("20", "CNY"),
            final_price=Money.of("800", "CNY"), balance_starts=start + opens * day,
            balance_ends=start + closes * day,
        )  # fmt: skip
        app.handle(orders.CreatePresale(listing, PLATFORM, terms))
    made: dict[str, OrderId] = {}
    for who in ("ps-1-a", "ps-2-a", "ps-2-b", "ps-3-a"):
        cid = app.handle(customers.RegisterCustomer(CustomerId(who), who, "1"))
        app.handle(customers.AddAddress(cid, "home", Address(who, "1", "sh", "r"), default=True))
        made[who] = app.handle(orders.PlaceDepositOrder(cid, who[:4], 1)).parent_id
        app.handle(payments.PayOrder(made[who], "alipay"))
    app.clock.set(start + 2 * day)
    assert app.handle(orders.EndUnpaidPresales()) == [made["ps-1-a"]]
    app.clock.set(start + 3 * day)
    app.handle(orders.PlaceBalanceOrder(made["ps-3-a"]))
    paid = app.handle(orders.PlaceBalanceOrder(made["ps-2-b"]))
    app.handle(payments.PayOrder(paid.parent_id, "alipay"))
    known = documents()
    name = known.name_of(PresaleOrder)
    rows = tuple(
        (name, key, version, known.write(presale))
        for key, (version, presale) in app.store.tables[PresaleOrder].items()
    )
    return rows, made


def old_sqlite(path: Path, schema: int) -> Path:
    """A SQLite file of ``schema`` holding the fixture's documents (as that schema wrote
    them: schema 1 had no index; schema 3 is schema 2 upgraded by its own step)."""
    if schema > 2:
        old_sqlite(path, 2)
        with sqlite3.connect(path) as db:
            for migration in migrations_upto(schema, after=2):
                for statement in migration.statements:
                    db.execute(statement)
                if migration.backfill is not None:
                    migration.backfill(db, documents())
            db.execute("UPDATE merx_schema SET version = ?", (schema,))
            if schema < 4:
                marks = ", ".join("?" * len(NEW_IN_4))
                db.execute(f"DELETE FROM merx_index WHERE name IN ({marks})", NEW_IN_4)
        return path
    with sqlite3.connect(path) as db:
        db.execute(
            "CREATE TABLE merx_schema "
            "(id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)"
        )
        for migration in migrations_upto(schema):
            for statement in migration.statements:
                db.execute(statement)
        db.execute("INSERT INTO merx_schema VALUES (1, ?)", (schema,))
        db.executemany(
            "INSERT INTO merx_documents (kind, id, version, document) VALUES (?, ?, ?, ?)",
            [
                (kind, key, version, json.dumps(doc))
                for kind, key, version, doc in [*old_rows(), *presale_rows()]
            ],
        )
    if schema >= 2:  # schema 2 kept an index of what it stored
        index_old_documents(path)
    return path


def index_old_documents(path: Path) -> None:
    """Write the index entries schema 2 would have written (orders and payments)."""
    known = documents()
    with sqlite3.connect(path) as db:
        for kind in known.classes():
            name = known.name_of(kind)
            if name not in INDEXED_SINCE_2:
                continue
            rows = db.execute(
                "SELECT id, version, document FROM merx_documents WHERE kind = ?", (name,)
            ).fetchall()
            for key, version, document in rows:
                aggregate = known.read(kind, readable(name, json.loads(document)))
                aggregate.version = version
                entries = known.index_entries(aggregate) or ()
                db.executemany(
                    "INSERT INTO merx_index (kind, name, value, id) VALUES (?, ?, ?, ?)",
                    [(name, index, value, key) for index, value in entries],
                )


def old_postgres(dsn: str, schema: int) -> str:
    """A PostgreSQL schema at ``dsn`` of merx schema ``schema`` holding the fixture."""
    import psycopg
    from psycopg.types.json import Json

    from merx.adapters import postgres

    if schema > 2:
        old_postgres(dsn, 2)
        with psycopg.connect(dsn, autocommit=True) as db, db.transaction():
            for migration in postgres.migrations_after(2):
                if migration.version > schema:
                    break
                for statement in migration.statements:
                    db.execute(statement)
                if migration.backfill is not None:
                    migration.backfill(db, documents())
            db.execute("UPDATE merx_schema SET version = %s", (schema,))
            if schema < 4:
                db.execute("DELETE FROM merx_index WHERE name = ANY(%s)", (list(NEW_IN_4),))
        return dsn
    with psycopg.connect(dsn, autocommit=True) as db, db.transaction():
        db.execute(postgres._SCHEMA_TABLE)
        for migration in [m for m in postgres.MIGRATIONS if m.version <= schema]:
            for statement in migration.statements:
                db.execute(statement)
        db.execute("INSERT INTO merx_schema VALUES (1, %s)", (schema,))
        with db.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO merx_documents (kind, id, version, document) VALUES (%s, %s, %s, %s)",
                [
                    (kind, key, version, Json(doc))
                    for kind, key, version, doc in [*old_rows(), *presale_rows()]
                ],
            )
        if schema >= 2:
            postgres.MIGRATIONS[1].backfill(db, documents())  # type: ignore[misc]
    return dsn


# -- what an upgraded database must hold ------------------------------------------------------


def old_balances() -> dict[str, tuple[int, int, int, int]]:
    """Each account's four counters, as the schema-2 ledger document held them."""
    (ledger,) = [doc for kind, _, _, doc in fixture_rows() if kind == "ledger.Ledger"]
    counters = zip(
        ledger["debits"], ledger["credits"], ledger["pending_debits"], ledger["pending_credits"],
        strict=True,
    )  # fmt: skip
    return dict(zip(ledger["chart"]["accounts"], counters, strict=True))


def check_upgraded(app: StoredApp, database: Database) -> None:
    known = documents()
    assert database.keys("journal.JournalEntry") == []
    assert database.keys("journal.JournalIndex") == []
    with app.unit_of_work() as uow:
        ledger = uow.repo(Ledger).get("CNY")
        journal = app.journals(uow, "CNY")
        balances = {
            str(account): (f.debits, f.credits, f.pending_debits, f.pending_credits)
            for account, f in ledger.balances(journal).items()
        }
        assert balances == old_balances()
        entries = list(journal.entries())
        assert len(entries) == 44
        report = settlement.reconciliation_report(uow, "CNY", journals=app.journals)
        assert report.ok, report.problems
        withdrawals = [
            uow.repo(Withdrawal).get(key) for key in database.keys(known.name_of(Withdrawal))
        ]
        for withdrawal in withdrawals:
            held = ledger.entry(journal, withdrawal.entry_key)
            assert (held.kind, held.phase, held.ref) == (
                EntryKind.WITHDRAWAL,
                Phase.PENDING,
                withdrawal.id,
            )
        statements = [
            uow.repo(SettlementStatement).get(key)
            for key in database.keys(known.name_of(SettlementStatement))
        ]
        assert withdrawals
        assert statements
        for statement in statements:
            assert statement.entry_key is not None
            assert ledger.entry(journal, statement.entry_key).kind is EntryKind.SETTLEMENT
        scanned = answers(ScanningOrderQueries(uow))
    assert answers(IndexedOrderQueries(database, known)) == scanned
    made = presales()[1]
    assert scanned[-2:] == [[made["ps-2-a"]], [made["ps-2-a"], made["ps-3-a"]]]
    check_indexed(database)
    check_sealed(app, database)
    check_points(app, database)
    # expired command records are found through the index schema 6 wrote, and purged
    assert app.handle(PurgeCommandRecords(AFTER)) == 1
    assert database.keys(known.name_of(CommandRecord)) == ["live-key"]
    # trade goes on: a merchant tops up its marketing balance, a new entry
    shop = MerchantId(withdrawals[0].merchant_id)
    app.handle(settlement.Recharge(shop, shop, "rc-after", Money.of("10.00", "CNY"), "alipay"))
    with app.unit_of_work() as uow:
        journal = app.journals(uow, "CNY")
        marketing = merchant_account(shop, LedgerBucket.MARKETING)
        assert uow.repo(Ledger).get("CNY").balance(journal, marketing) == -1_000
        assert settlement.reconciliation_report(uow, "CNY", journals=app.journals).ok


def check_points(app: StoredApp, database: Database) -> None:
    """Schema 11 took each account's entries out of its document: the account keeps its
    balance and open lots, each entry is a record found page by page, a return's key is
    its spend's n-th with the cancel or case as its cause, and points move on from there."""
    alice, bo = CustomerId("c00001"), CustomerId("c00002")
    stored = database.load("points.PointsAccount", alice)
    assert stored is not None
    document = json.loads(stored[1]) if isinstance(stored[1], str) else stored[1]
    assert stored[0] == 7  # the account's version is kept
    assert "entries" not in document
    assert app.points_balance(alice) == 70
    with app.unit_of_work() as uow:
        account = points.points_account(uow, alice)
    assert account.lots == {"earned:task:t1": points.PointsLot("earned:task:t1", 100, 70, None, 0)}
    assert account.entry_count == 8
    entries = app.points_entries(alice).entries
    assert [(e.seq, e.key, e.points, e.cause) for e in entries] == [
        (0, "earned:task:t1", 100, None),
        (1, "earned:sign_in:d1", 50, None),
        (2, "earned:lottery:draw-1", 30, None),
        (3, "spent:ord-000001", -170, None),
        (4, "returned:ord-000001:1", 40, "case-1"),
        (5, "returned:ord-000001:2", 20, "cancelled"),
        (6, "earned:lottery:draw-2", 10, None),
        (7, "expired:earned:lottery:draw-2:7", -10, None),
    ]
    assert entries[1].expires_on == date(2026, 2, 1)
    assert app.points_balance(bo) == 0
    assert [e.key for e in app.points_entries(bo).entries] == ["earned:task:t1", "spent:ord-000002"]
    with app.unit_of_work() as uow:  # trade goes on: the rest of the spend comes back
        book = points.PointsBook(uow, alice)
        assert book.give_back("ord-000001", 40, "case-1", AFTER).key == "returned:ord-000001:1"
        back = book.give_back_share("ord-000001", 100, 100, "case-3", AFTER)
        assert back is not None
        assert (back.key, back.points) == ("returned:ord-000001:3", 110)
        book.stage()
        uow.commit()
    # 70 + 110, less draw-1's 30 lapsed on 22 January: given back, expired again
    assert app.points_balance(alice) == 150
    assert [e.key for e in app.points_entries(alice).entries][-2:] == [
        "returned:ord-000001:3",
        "expired:earned:lottery:draw-1:9",
    ]


def clear_values_of_fixture() -> dict[tuple[str, str], list[str]]:
    """The personal values the fixture's documents hold in clear, by document (the
    address phones, ``"1"``, are too short to search for and are checked by shape)."""
    found: dict[tuple[str, str], list[str]] = {}
    for kind, key, _, doc in fixture_rows():
        values = [doc.get("phone"), doc.get("account")]
        values += list((doc.get("identity") or {}).values())
        found[kind, key] = [v for v in values if isinstance(v, str) and len(v) > 4]
    return found


def check_sealed(app: StoredApp, database: Database) -> None:
    """Schema 7 sealed every clear personal value: the documents hold a token and a mask
    where the fixture held the value, and the embedded vault reveals the value."""
    clear = clear_values_of_fixture()
    assert sum(map(len, clear.values())) > 30
    sealed = 0
    for name in SEALED_SINCE_7:
        for key in database.keys(name):
            stored = database.load(name, key)
            assert stored is not None
            text = stored[1] if isinstance(stored[1], str) else json.dumps(stored[1])
            for value in clear.get((name, key), []):
                assert value not in text, (name, key)
            document = json.loads(text)
            phones = [document.get("phone"), (document.get("ship_to") or {}).get("phone")]
            phones += [a["phone"] for a in (document.get("addresses") or {}).values()]
            for phone in phones:
                assert phone is None or set(phone) == {"token", "masked"}, (name, key)
            sealed += sum(phone is not None for phone in phones)
    assert sealed > 40
    with app.unit_of_work() as uow:
        customer = uow.repo(customers.Customer).get(CustomerId("c00001"))
        assert customer.phone.masked == "139****0001"
        assert app.vault.reveal(customer.phone.token) == "13900000001"
        home = customer.address("home").phone
        assert isinstance(home, Sealed)
        assert app.vault.reveal(home.token) == "1"
        top_up = uow.repo(TopUp).get("topup-ord-000003-1")
        assert app.vault.reveal(top_up.account.token) == "13902653573"
        application = uow.repo(credit.CreditApplication).get("capp-000001")
        assert application.identity.id_number.masked == "110***********0005"
        assert app.vault.reveal(application.identity.legal_name.token) == "Name c00005"


#: Indexed kinds newer than every schema: an earlier merx stored none, so an upgrade has
#: nothing of theirs to index (a new kind needs no migration: its first document is
#: written with its index entries). Touches and placements are older than their indexes
#: (schemas 9 to 11 stored them unindexed; step 12 indexes them) but newer than every
#: fixture here: ``test_step_12_indexes_touches_and_placements`` checks that step.
NEWER_KINDS = frozenset(
    {
        "promotions.VoucherCode",
        "risk.ReviewCase",
        "reach.Touch",
        "reach.HeldMessage",
        "traffic.Placement",
    }
)


def check_indexed(database: Database) -> None:
    """Every document of every indexed kind has exactly the index entries this code
    writes (schema 2's kinds and schema 3's: credit accounts, stock items, purchase
    orders, withdrawals), and the fixture holds some of each (but of the
    :data:`NEWER_KINDS`, which it cannot hold)."""
    known = documents()
    for kind in known.classes():
        if not known.indexed(kind):
            continue
        name = known.name_of(kind)
        keys = database.keys(name)
        assert keys or name in NEWER_KINDS, f"the fixture holds no {name}"
        for key in keys:
            stored = database.load(name, key)
            assert stored is not None
            document = json.loads(stored[1]) if isinstance(stored[1], str) else stored[1]
            aggregate = known.read(kind, document)
            aggregate.version = stored[0]
            expected = sorted(known.index_entries(aggregate) or ())
            assert sorted(index_entries_of(database, name, key)) == expected, (name, key)


def index_entries_of(database: Database, kind: str, key: str) -> list[tuple[str, str]]:
    """The ``(index, value)`` rows the database holds for one document."""
    if isinstance(database, SqliteDatabase):
        rows = database.connection().execute(
            "SELECT name, value FROM merx_index WHERE kind = ? AND id = ?", (kind, key)
        )
        return [(name, value) for name, value in rows]
    with database.connection() as db:  # type: ignore[attr-defined]
        found = db.execute(
            "SELECT name, value FROM merx_index WHERE kind = %s AND id = %s", (kind, key)
        ).fetchall()
    return [(name, value) for name, value in found]


def answers(queries: Any) -> list[object]:
    return [
        sorted(queries.unpaid_parent_orders(placed_by=AFTER)),
        sorted(queries.orders_awaiting_receipt(shipped_by=AFTER, delivered_by=AFTER)),
        sorted(queries.orders_of_seller(MerchantId("platform"))),
        list(queries.presales_unpaid_after_window(AFTER)),
        list(queries.presales_unpaid_after_window(AFTER + timedelta(days=30))),
    ]


def opened(database: Database) -> StoredApp:
    return build_app(database, clock=FixedClock(AFTER), ids=SequentialIds())


# -- SQLite ------------------------------------------------------------------------------------


@pytest.mark.parametrize("schema", EARLIER)
def test_a_sqlite_file_of_every_earlier_schema_opens_upgraded(tmp_path: Path, schema: int) -> None:
    path = old_sqlite(tmp_path / "shop.db", schema)
    with pytest.raises(SchemaTooOld):
        SqliteDatabase(path, documents=documents(), upgrade=False)
    assert schema_version_of(path) == schema  # refusing changed nothing
    database = SqliteDatabase(path, documents=documents())
    assert database.schema_version() == SCHEMA_VERSION == MIGRATIONS[-1].version
    check_upgraded(opened(database), database)


def test_a_failed_upgrade_changes_nothing(tmp_path: Path) -> None:
    path = old_sqlite(tmp_path / "shop.db", 2)
    with sqlite3.connect(path) as db:  # a withdrawal naming an entry the journal lacks
        db.execute(
            "UPDATE merx_documents SET document = json_set(document, '$.entry_seq', 999) "
            "WHERE kind = 'settlement.Withdrawal'"
        )
    with pytest.raises(KeyError):
        SqliteDatabase(path, documents=documents())
    with sqlite3.connect(path) as db:  # the step rolled back whole
        assert db.execute("SELECT version FROM merx_schema").fetchone() == (2,)
        journal = "SELECT count(*) FROM merx_documents WHERE kind LIKE 'journal.%'"
        assert db.execute(journal).fetchone() == (88,)
        tables = "SELECT count(*) FROM sqlite_master WHERE name = 'merx_ledger_entries'"
        assert db.execute(tables).fetchone() == (0,)


def test_the_command_line_reports_and_upgrades_the_schema(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = old_sqlite(tmp_path / "shop.db", 1)
    assert cli.main(["db", "version", str(path)]) == 0
    assert f"merx schema 1 (this merx writes {SCHEMA_VERSION})" in capsys.readouterr().out
    assert cli.main(["db", "upgrade", str(path)]) == 0
    assert f"merx schema {SCHEMA_VERSION} " in capsys.readouterr().out
    database = SqliteDatabase(path, upgrade=False)
    check_upgraded(opened(database), database)


# -- PostgreSQL --------------------------------------------------------------------------------


@pytest.fixture
def postgres_databases(postgres_schema: Callable[[], str]) -> Iterator[list[Any]]:
    made: list[Any] = []
    yield made
    for database in made:
        database.close()


@pytest.mark.postgres
@pytest.mark.parametrize("schema", EARLIER)
def test_a_postgres_database_of_every_earlier_schema_opens_upgraded(
    postgres_schema: Callable[[], str], postgres_databases: list[Any], schema: int
) -> None:
    from merx.adapters import postgres

    dsn = old_postgres(postgres_schema(), schema)
    with pytest.raises(SchemaTooOld):
        postgres.PostgresDatabase(dsn, documents=documents(), upgrade=False)
    assert postgres.schema_version_of(dsn) == schema
    database = postgres.PostgresDatabase(dsn, max_size=2, documents=documents())
    postgres_databases.append(database)
    assert postgres.schema_version_of(dsn) == postgres.SCHEMA_VERSION == SCHEMA_VERSION
    check_upgraded(opened(database), database)
    assert _postings_foreign_keys(dsn) == []


def _postings_foreign_keys(dsn: str) -> list[str]:
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as db:
        rows = db.execute(
            "SELECT conname FROM pg_constraint "
            "WHERE conrelid = 'merx_ledger_postings'::regclass AND contype = 'f'"
        ).fetchall()
    return [name for (name,) in rows]


@pytest.mark.postgres
def test_schema_9_drops_the_postings_foreign_key_and_keeps_each_posting_with_its_entry(
    postgres_schema: Callable[[], str], postgres_databases: list[Any]
) -> None:
    """Before schema 9 a posting's entry was checked by a foreign key; from 9 the statement
    that inserts an entry writes its postings (the key holds by construction)."""
    from merx.adapters import postgres

    dsn = old_postgres(postgres_schema(), 6)
    assert _postings_foreign_keys(dsn) == ["merx_ledger_postings_entry_fkey"]
    database = postgres.PostgresDatabase(dsn, max_size=2, documents=documents())
    postgres_databases.append(database)
    assert _postings_foreign_keys(dsn) == []
    app = opened(database)
    check_upgraded(app, database)
    with app.unit_of_work() as uow:  # an entry posted on schema 9, with its postings
        ledger = uow.repo(Ledger).view("CNY")
        journal = app.journals(uow, "CNY")
        before = ledger.balances(journal)
        legs = ((ledger.accounts[0], 1), (ledger.accounts[1], -1))
        ledger.post(journal, "s9", EntryKind.COMPENSATION, "s9", legs, AFTER)
        uow.commit()
    with app.unit_of_work() as uow:
        journal = app.journals(uow, "CNY")
        found = journal.get("s9")
        assert found is not None
        assert found.legs == legs
        after = uow.repo(Ledger).view("CNY").balances(journal)
        assert after[legs[0][0]].posted == before[legs[0][0]].posted + 1
    with psycopg_connect(dsn) as db:
        orphans = db.execute(
            "SELECT count(*) FROM merx_ledger_postings p LEFT JOIN merx_ledger_entries e "
            "ON e.row = p.entry AND e.book = p.book WHERE e.row IS NULL"
        ).fetchone()
    assert orphans == (0,)


def psycopg_connect(dsn: str) -> Any:
    import psycopg

    return psycopg.connect(dsn, autocommit=True)


def test_step_12_indexes_touches_and_placements(tmp_path: Path) -> None:
    """A file written by schemas 9 to 11 holds touches without index entries; opened, step
    12 writes them, so the reach report finds the campaign's touches again."""
    path = tmp_path / "touched.db"
    clock = FixedClock(datetime(2026, 3, 2, 2, 0, tzinfo=UTC))  # 10:00 in Shanghai
    app = build_app(SqliteDatabase(path), clock=clock, relay_owner="shop")
    for n in range(2):
        customer = CustomerId(f"u{n}")
        app.handle(people.RegisterPersonalData(customer, name=f"U{n}", phone=f"1390000{n:04d}"))
        app.handle(people.GrantConsent(customer, people.Channel.SMS, "app"))
    app.handle(reach.SaveTemplate("t", reach.ReachChannel.SMS, "{customer_name}", {}))
    once = reach.Trigger(reach.TriggerKind.ONCE)
    app.handle(reach.DefineReachCampaign("c", reach.ReachChannel.SMS, "t", once))
    app.handle(reach.ActivateReachCampaign("c"))
    assert app.handle(reach.RunReachCampaign("c")).sent == 2
    app.close()

    db = SqliteDatabase(path).connection()
    db.execute("DELETE FROM merx_index WHERE kind IN ('reach.Touch', 'traffic.Placement')")
    db.execute("UPDATE merx_schema SET version = 11")
    assert schema_version_of(path) == 11
    upgraded = SqliteDatabase(path, documents=documents())
    reopened = build_app(upgraded, clock=clock, relay_owner="shop")
    assert schema_version_of(path) == SCHEMA_VERSION
    assert reopened.reach_report("c").total.reached == 2
    database, known = reopened.database, documents()
    keys = database.keys("reach.Touch")
    assert len(keys) == 2
    for key in keys:
        _, stored = database.load("reach.Touch", key) or (0, "")
        touch = known.read(reach.Touch, json.loads(stored) if isinstance(stored, str) else stored)
        expected = sorted(known.index_entries(touch) or ())
        assert expected
        assert sorted(index_entries_of(database, "reach.Touch", key)) == expected
    reopened.close()
