"""Schema 7: personal values that older documents hold in clear, sealed in the database's
embedded vault (the ``merx_vault`` table of :mod:`merx.adapters.vaults`).

Before schema 7 a customer's contact phone and address phones, an order's (and a pre-sale
order's) delivery phone and top-up account, a top-up's account and a credit application's
declared identity were written to their documents in clear. The step reads every document
of those kinds, puts each clear value in ``merx_vault`` under a new token (in the step's
transaction: a step that fails leaves no row behind) and writes the document back with a
``{"token", "masked"}`` in its place, the shape :class:`~merx.kernel.vault.Sealed` is
written in. A value already sealed is left as it is, so the step may run over a database
that a newer merx already wrote to.

A host whose vault is not the embedded table moves the rows to its own vault after the
upgrade (reveal from ``merx_vault``, tokenize at its vault, rewrite the token); the
documents then name tokens of its vault.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterable
from typing import Any, Final

from merx.kernel.vault import PersonalKind, mask_name, mask_number

VAULT_TABLE: Final = (
    "CREATE TABLE IF NOT EXISTS merx_vault "
    "(token TEXT PRIMARY KEY, kind TEXT NOT NULL, value TEXT NOT NULL)"
)


def new_token(kind: PersonalKind) -> str:
    """A new token of the embedded vaults: 128 random bits, unrelated to the value."""
    return f"vt-{kind.value}-{secrets.token_hex(16)}"


#: A clear value put in the vault: ``(kind, value) -> token``.
Keep = Callable[[PersonalKind, str], str]

#: The kinds of document schema 7 rewrites.
SEALED_SINCE_7: Final = (
    "customers.Customer",
    "orders.Order",
    "fulfillment.TopUp",
    "credit.CreditApplication",
)


def _sealed(keep: Keep, kind: PersonalKind, value: Any, mask: Callable[[str], str]) -> Any:
    if not isinstance(value, str):
        return value  # sealed already (or absent)
    text = value.strip()
    return {"token": keep(kind, text), "masked": mask(text)}


def _seal_address(keep: Keep, address: Any) -> None:
    if isinstance(address, dict) and "phone" in address:
        address["phone"] = _sealed(keep, PersonalKind.PHONE, address["phone"], mask_number)


def seal_document(kind: str, document: dict[str, Any], keep: Keep) -> None:
    """Seal, in place, the clear personal values of a ``kind`` document (see the module)."""
    if kind == "customers.Customer":
        document["phone"] = _sealed(keep, PersonalKind.PHONE, document.get("phone"), mask_number)
        for address in (document.get("addresses") or {}).values():
            _seal_address(keep, address)
    elif kind == "orders.Order":
        _seal_address(keep, document.get("ship_to"))
        if document.get("account") is not None:
            document["account"] = _sealed(
                keep, PersonalKind.ACCOUNT, document["account"], mask_number
            )
    elif kind == "fulfillment.TopUp":
        document["account"] = _sealed(
            keep, PersonalKind.ACCOUNT, document.get("account"), mask_number
        )
    elif kind == "credit.CreditApplication":
        identity = document.get("identity")
        if isinstance(identity, dict):
            for name, part, mask in (
                ("legal_name", PersonalKind.NAME, mask_name),
                ("id_number", PersonalKind.ID_CARD, mask_number),
                ("phone", PersonalKind.PHONE, mask_number),
            ):
                identity[name] = _sealed(keep, part, identity.get(name), mask)


def seal_stored(
    rows: Iterable[tuple[str, str, str]],
) -> tuple[list[tuple[str, str, dict[str, Any]]], list[tuple[str, str, str]]]:
    """Step 7 over stored ``(kind, id, document text)`` rows: the documents it changed,
    ``(kind, id, document)``, and the vault rows to insert, ``(token, kind, value)``."""
    kept: list[tuple[str, str, str]] = []

    def keep(kind: PersonalKind, value: str) -> str:
        kept.append((new_token(kind), kind.value, value))
        return kept[-1][0]

    changed: list[tuple[str, str, dict[str, Any]]] = []
    for kind, key, text in rows:
        document = json.loads(text)
        before = len(kept)
        seal_document(kind, document, keep)
        if len(kept) > before:
            changed.append((kind, key, document))
    return changed, kept


def readable(kind: str, document: dict[str, Any]) -> dict[str, Any]:
    """``document`` in the shape this code reads, for the index steps of schemas 2 to 6
    that run before step 7 on an older database: each clear value replaced by a
    placeholder token (``vt-pending``; the index entries never depend on a personal
    value). Step 7 then seals the stored documents for real."""
    if kind in SEALED_SINCE_7:
        seal_document(kind, document, lambda _kind, _value: "vt-pending")
    return document
