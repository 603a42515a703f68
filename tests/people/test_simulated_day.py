"""The issue's check on personal data: a simulated day of trade plus people commands
(registrations, phone changes, bank cards bound and unbound, consents, erasures, and bad
input of every kind) leaves no phone number, ID card number or bank card number in clear
in any event (as published and as written to the outbox), any error message, or the repr
or document of anything stored.

The day's own personal values are in it: every customer registers with a mobile number
and a home address with another (the orders ship to it), top-ups name the mobile number
to credit, borrowers declare an identity (name, ID number, phone). The same day, smaller,
runs on a SQLite store, and every row of every table but the vault's is scanned.

The scan looks for each kind of number by its shape (regexes; card numbers must also pass
Luhn) and for every clear value the day sent (any command field marked personal),
verbatim. It is shown to find what it should: the vault's own clear values are found, and
so are numbers planted in a stored document, in memory and in the SQLite file.
"""

from __future__ import annotations

import json
import random
import re
import shutil
import sqlite3
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, cast

import attrs
import pytest

from merx import people
from merx.adapters.memory import FixedClock, MemoryVault
from merx.app import (
    App,
    MemoryApp,
    Settings,
    StoredApp,
    build_memory_app,
    build_sqlite_app,
)
from merx.app.documents import documents
from merx.errors import MerxError
from merx.kernel.bus import Command
from merx.kernel.ids import CustomerId
from merx.kernel.vault import PERSONAL, PersonalKind
from merx.people import Channel
from merx.people import numbers as people_numbers
from tests.people.strategies import check_character, luhn_check_digit

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples"))
import simulate

#: A number stands apart from letters and digits: a vault token's hex digits (``...fc91141572
#: 5124d2``) are no number, where ``"13800001234"`` or ``手机13800001234`` is one.
_APART, _ENDS = r"(?<![0-9A-Za-z])", r"(?![0-9A-Za-z])"
PHONE_SHAPE = re.compile(_APART + r"1[3-9]\d{9}" + _ENDS)
ID_CARD_SHAPE = re.compile(_APART + r"\d{17}[0-9Xx]" + _ENDS)
DIGIT_RUN = re.compile(_APART + r"\d{12,19}" + _ENDS)


def clear_numbers(text: str) -> list[str]:
    """Every phone number, ID card number and Luhn-valid card number in ``text``."""
    found = PHONE_SHAPE.findall(text) + ID_CARD_SHAPE.findall(text)
    found += [run for run in DIGIT_RUN.findall(text) if people_numbers.luhn_ok(run)]
    return found


def scan(texts: Iterable[str], used: set[str]) -> list[str]:
    """What ``texts`` show in clear: numbers by shape, and any value of ``used``."""
    leaks: list[str] = []
    for text in texts:
        leaks += clear_numbers(text)
        leaks += [value for value in used if value in text]
    return leaks


class Recorder:
    """Wraps the app's bus: keeps every error a command raised (the simulation swallows
    some) and every clear value sent in a people command."""

    def __init__(self, app: App) -> None:
        self.errors: list[BaseException] = []
        self.used: set[str] = set()
        self.kinds: set[tuple[str, PersonalKind]] = set()
        self._handle = app.bus.handle
        app.bus.handle = self.handle  # type: ignore[method-assign]

    def handle(self, command: Command[Any], *, idempotency_key: str | None = None) -> Any:
        for kind, value in personal_values(command):
            self.kinds.add(kind)
            if len(value) >= 6:
                self.used.add(value)
        try:
            return self._handle(command, idempotency_key=idempotency_key)
        except MerxError as error:
            self.errors.append(error)
            raise


def personal_values(value: object) -> Iterator[tuple[tuple[str, PersonalKind], str]]:
    """Every clear value in a command's fields marked personal (nested values too), with
    the command's name and the value's kind."""
    if not attrs.has(type(value)):
        return
    for field in attrs.fields(cast(Any, type(value))):
        held = getattr(value, field.name)
        kind = field.metadata.get(PERSONAL)
        if kind is not None and isinstance(held, str):
            yield (type(value).__name__, kind), held
        else:
            yield from personal_values(held)


def errors_and_causes(errors: Iterable[BaseException]) -> Iterator[BaseException]:
    for raised in errors:
        error: BaseException | None = raised
        while error is not None:
            yield error
            error = error.__cause__ or error.__context__


def a_phone(rng: random.Random) -> str:
    return f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"


def an_id_card(rng: random.Random) -> str:
    first = f"{rng.randrange(110000, 660000)}{rng.randrange(1950, 2005)}{rng.randrange(1, 13):02d}"
    first += f"{rng.randrange(1, 29):02d}{rng.randrange(1000):03d}"
    return first + check_character(first)


def a_card(rng: random.Random) -> str:
    body = f"62{rng.randrange(10**13):013d}"
    return body + luhn_check_digit(body)


def one_digit_off(value: str, rng: random.Random) -> str:
    position = rng.randrange(len(value) - 1)
    return value[:position] + str((int(value[position]) + 1) % 10) + value[position + 1 :]


def people_day(app: App, customers: list[CustomerId], seed: int) -> None:
    """People commands for every customer, good and bad (bad ones are refused)."""
    rng = random.Random(f"people {seed}")

    def attempt(command: Command[Any]) -> Any:
        try:
            return app.handle(command)
        except MerxError:
            return None

    for n, cid in enumerate(customers):
        attempt(people.GrantConsent(cid, rng.choice(list(Channel)), "app/onboarding"))
        attempt(people.RegisterPersonalData(cid, " ", a_phone(rng)))  # no name
        attempt(people.RegisterPersonalData(cid, f"Name {n}", one_digit_off(a_phone(rng), rng)))
        attempt(
            people.RegisterPersonalData(
                cid, f"Name {n}", a_phone(rng), one_digit_off(an_id_card(rng), rng)
            )
        )
        attempt(people.AddBankCard(cid, a_card(rng)))  # before registering: refused
        attempt(people.RegisterPersonalData(cid, f"Name {n}", a_phone(rng), an_id_card(rng)))
        card = attempt(people.AddBankCard(cid, a_card(rng)))
        attempt(people.AddBankCard(cid, one_digit_off(a_card(rng), rng)))
        if n % 3 == 0:
            attempt(people.ChangePhone(cid, a_phone(rng)))
        if n % 4 == 0 and card is not None:
            attempt(people.RemoveBankCard(cid, card))
        attempt(people.RemoveBankCard(cid, "card-none"))
        attempt(people.WithdrawConsent(cid, Channel.SMS, "sms/reply-TD"))
        if n % 7 == 0:
            attempt(people.ForgetPersonalData(cid))


def people_journey() -> MemoryApp:
    """A small app with personal data in every state (for the serde round trip)."""
    app = build_memory_app()
    people_day(app, [CustomerId(f"p{n}") for n in range(30)], seed=1)
    return app


@pytest.fixture(scope="module")
def day() -> tuple[MemoryApp, Recorder]:
    clock = FixedClock(simulate.START)
    app = build_memory_app(
        clock=clock, order_policy=simulate.ORDER_POLICY, check_views=False, vault=MemoryVault()
    )
    world = simulate.World(300, seed=16, app=app, clock=clock)
    recorder = Recorder(app)
    world.build()
    simulate.Day(world, simulate.JOURNEYS).run(300, lambda done: None)
    people_day(app, [cid for cid, _ in world.customers], seed=16)
    return app, recorder


def event_texts(app: MemoryApp) -> list[str]:
    known = documents()
    return [
        text
        for event in app.events.events
        for text in (repr(event), json.dumps(known.write(event), default=str))
    ]


def stored_texts(app: MemoryApp) -> list[str]:
    known = documents()
    texts = []
    for rows in app.store.tables.values():
        for _, snapshot in rows.values():
            document = known.write(snapshot)
            texts += [repr(snapshot), json.dumps(document, default=str)]
    return texts


def test_the_day_did_what_the_scan_needs(day: tuple[MemoryApp, Recorder]) -> None:
    app, recorder = day
    kinds = {type(error) for error in recorder.errors}
    assert {
        people.InvalidPhone,
        people.InvalidIdCard,
        people.InvalidBankCard,
        people.InvalidPersonalValue,
        people.NoPersonalData,
        people.UnknownBankCard,
    } <= kinds
    assert len(app.events.of(people.PersonalDataForgotten)) > 10
    assert len(app.events.of(people.BankCardAdded)) > 100
    assert len(recorder.used) > 1000
    assert len(app.events.events) > 5000
    # the day's personal values of every kind went through the commands that seal them
    assert {
        ("RegisterCustomer", PersonalKind.PHONE),
        ("Address", PersonalKind.PHONE),
        ("PlaceOrder", PersonalKind.ACCOUNT),
        ("Identity", PersonalKind.NAME),
        ("Identity", PersonalKind.ID_CARD),
        ("Identity", PersonalKind.PHONE),
        ("RegisterPersonalData", PersonalKind.PHONE),
        ("AddBankCard", PersonalKind.BANK_CARD),
    } <= recorder.kinds


def test_no_event_carries_a_personal_number(day: tuple[MemoryApp, Recorder]) -> None:
    app, recorder = day
    assert scan(event_texts(app), recorder.used) == []


def test_no_error_message_carries_a_personal_number(day: tuple[MemoryApp, Recorder]) -> None:
    _, recorder = day
    texts = [
        text
        for error in errors_and_causes(recorder.errors)
        for text in (str(error), repr(error), *getattr(error, "__notes__", ()))
    ]
    assert len(texts) > 100
    assert scan(texts, recorder.used) == []


def test_nothing_stored_shows_a_personal_number(day: tuple[MemoryApp, Recorder]) -> None:
    app, recorder = day
    assert scan(stored_texts(app), recorder.used) == []


def test_the_scan_finds_clear_numbers_where_they_are(day: tuple[MemoryApp, Recorder]) -> None:
    app, _ = day
    assert isinstance(app.vault, MemoryVault)
    kept = list(app.vault._values.values())  # the vault's clear values: all must be found
    numbers_kept = [value for value in kept if value[0].isdigit() and len(value) >= 11]
    assert len(numbers_kept) > 200
    for value in numbers_kept:
        assert scan([f"a text with {value} in it"], set()) != [], value
    assert clear_numbers("call 13800138000, id 11010519491231002X, card 4111111111111111") == [
        "13800138000",
        "11010519491231002X",
        "4111111111111111",
    ]
    assert scan(["Name 7 was here"], {"Name 7"}) == ["Name 7"]
    # a clear number planted in a stored document is found
    customer = next(
        snapshot
        for kind, rows in app.store.tables.items()
        if kind.__name__ == "Customer"
        for _, snapshot in rows.values()
    )
    planted = documents().write(customer)
    planted["phone"] = app.vault.reveal(customer.phone.token)
    assert scan([json.dumps(planted)], set()) == [planted["phone"]]


# -- the same day, smaller, on a SQLite store --------------------------------------------

#: The embedded vault's tables: the only ones allowed to hold clear values.
VAULT_TABLES = frozenset({"merx_vault", "merx_vault_key"})


def sqlite_texts(path: Path) -> dict[str, list[str]]:
    """Every row of every table of the SQLite file but the vault's, as text, by table."""
    with sqlite3.connect(path) as db:
        tables = [
            name
            for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if name not in VAULT_TABLES
        ]
        return {
            table: [repr(row) for row in db.execute(f"SELECT * FROM {table}")] for table in tables
        }


@pytest.fixture(scope="module")
def sqlite_day(tmp_path_factory: pytest.TempPathFactory) -> tuple[StoredApp, Recorder, Path]:
    path = tmp_path_factory.mktemp("day") / "day.db"
    clock = FixedClock(simulate.START)
    app = build_sqlite_app(
        path, clock=clock, settings=Settings(order_policy=simulate.ORDER_POLICY),
        synchronous="NORMAL",
    )  # fmt: skip
    world = simulate.World(60, seed=17, app=app, clock=clock)
    recorder = Recorder(app)
    world.build()
    simulate.Day(world, simulate.JOURNEYS).run(60, lambda done: None)
    people_day(app, [cid for cid, _ in world.customers], seed=17)
    app.relay.close()
    return app, recorder, path


def test_no_row_of_the_sqlite_store_shows_a_personal_number(
    sqlite_day: tuple[StoredApp, Recorder, Path],
) -> None:
    _, recorder, path = sqlite_day
    assert {("PlaceOrder", PersonalKind.ACCOUNT), ("Identity", PersonalKind.ID_CARD)} <= (
        recorder.kinds
    )
    texts = sqlite_texts(path)
    assert len(texts["merx_documents"]) > 300
    assert len(texts["merx_outbox"]) > 300
    assert len(recorder.used) > 100
    for table, rows in texts.items():
        assert scan(rows, recorder.used) == [], table
    with sqlite3.connect(path) as db:  # the values are at the vault
        (kept,) = db.execute("SELECT count(*) FROM merx_vault").fetchone()
    assert kept > 100


def test_the_scan_finds_a_number_planted_in_the_sqlite_store(
    sqlite_day: tuple[StoredApp, Recorder, Path], tmp_path: Path
) -> None:
    path = sqlite_day[2]
    planted = tmp_path / "planted.db"
    shutil.copy(path, planted)
    with sqlite3.connect(planted) as db:
        (token,) = db.execute(
            "SELECT json_extract(document, '$.phone.token') FROM merx_documents "
            "WHERE kind = 'customers.Customer' LIMIT 1"
        ).fetchone()
        (phone,) = db.execute("SELECT value FROM merx_vault WHERE token = ?", (token,)).fetchone()
        db.execute(
            "UPDATE merx_documents SET document = json_set(document, '$.note', ?) "
            "WHERE kind = 'customers.Customer' AND json_extract(document, '$.phone.token') = ?",
            (f"call {phone}", token),
        )
    found = [leak for rows in sqlite_texts(planted).values() for leak in scan(rows, set())]
    assert found == [phone]
