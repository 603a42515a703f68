"""Personal data on a database (SQLite, PostgreSQL): the new kind needs no migration, the
embedded vault keeps the values in its own table across a restart, and neither the
documents nor the outbox hold a clear value."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from merx import people
from merx.app import StoredApp
from merx.app.stores import embedded_vault
from merx.errors import IdempotencyKeyReused
from merx.kernel.ids import CustomerId
from merx.people import Channel, PersonalData, Vault
from merx.testing.vault import VaultContract
from tests.stores.test_stored_app import Storage, open_shop

AMY = CustomerId("amy")
PHONE, ID_CARD, CARD = "13800138000", "11010519491231002X", "4111111111111111"


def stored_text(app: StoredApp) -> str:
    database = app.database
    document = database.load("people.PersonalData", AMY)
    outbox = database.events_after(0, limit=10_000)
    return json.dumps([document, outbox], default=str)


def test_personal_data_survives_a_restart_sealed(storage: Storage) -> None:
    app = open_shop(storage)
    app.handle(people.RegisterPersonalData(AMY, "Amy Li", PHONE, ID_CARD))
    card_id = app.handle(people.AddBankCard(AMY, CARD))
    app.handle(people.GrantConsent(AMY, Channel.PUSH, "app/onboarding"))
    app.close()

    again = open_shop(storage)  # a restart: a new database object, a new vault over it
    person = again.get(PersonalData, AMY)
    assert person.phone is not None
    assert person.phone.masked == "138****8000"
    assert again.vault.reveal(person.phone.token) == PHONE
    assert again.vault.reveal(person.cards[card_id].number.token) == CARD
    assert person.consent(Channel.PUSH)
    text = stored_text(again)
    assert "138****8000" in text  # the document was read: its mask is there
    for value in (PHONE, ID_CARD, CARD, "Amy Li"):
        assert value not in text

    again.handle(people.ForgetPersonalData(AMY))
    with pytest.raises(people.UnknownToken):
        again.vault.reveal(person.phone.token)
    again.close()


def test_the_vaults_digest_key_survives_a_restart(storage: Storage) -> None:
    """The embedded vault keeps its digest key: after a restart a card bound again is
    still recognised, and a command re-sent under its idempotency key still matches its
    fingerprint (while another phone under the key does not)."""
    app = open_shop(storage)
    command = people.RegisterPersonalData(AMY, "Amy Li", PHONE)
    app.handle(command, idempotency_key="reg-1")
    card_id = app.handle(people.AddBankCard(AMY, CARD))
    app.close()

    again = open_shop(storage)
    assert again.handle(people.AddBankCard(AMY, CARD)) == card_id
    assert list(again.get(PersonalData, AMY).cards) == [card_id]
    rows = _vault_rows(again)
    again.handle(command, idempotency_key="reg-1")  # the stored reply: nothing runs
    assert _vault_rows(again) == rows
    with pytest.raises(IdempotencyKeyReused):
        again.handle(
            people.RegisterPersonalData(AMY, "Amy Li", "13800138001"), idempotency_key="reg-1"
        )
    again.close()


def test_a_refused_command_leaves_no_value_in_the_vault_table(storage: Storage) -> None:
    app = open_shop(storage)
    app.handle(people.GrantConsent(AMY, Channel.SMS, "signup"))  # a record, no phone yet
    with pytest.raises(people.NoPersonalData):
        app.handle(people.AddBankCard(AMY, CARD))  # tokenized, then refused: forgotten
    vault_rows = _vault_rows(app)
    assert vault_rows == 0
    app.close()


def _vault_rows(app: StoredApp) -> int:
    from merx.adapters.sqlite import SqliteDatabase

    database = app.database
    if isinstance(database, SqliteDatabase):
        return int(database.connection().execute("SELECT count(*) FROM merx_vault").fetchone()[0])
    with database.connection() as connection:  # type: ignore[attr-defined]
        return int(connection.execute("SELECT count(*) FROM merx_vault").fetchone()[0])


class TestEmbeddedVault(VaultContract):
    """The database's own ``merx_vault`` table (SQLite and PostgreSQL)."""

    @pytest.fixture
    def make_vault(self, storage: Storage) -> Callable[[], Vault]:
        return lambda: embedded_vault(storage.open())
