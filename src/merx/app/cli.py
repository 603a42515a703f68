"""``python -m merx``: administration of a merx database.

    python -m merx db version PATH|DSN   the schema of a database
    python -m merx db upgrade PATH|DSN   bring it to this merx's schema

A PostgreSQL DSN (``postgresql://...``) is accepted wherever a path is, with the
``postgres`` extra installed (``pip install 'merx[postgres]'``).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Any

from merx.adapters.sqlite import SCHEMA_VERSION, SqliteDatabase, schema_version_of
from merx.app.documents import documents


def _postgres(target: str) -> bool:
    return target.startswith(("postgresql://", "postgres://"))


def _open(target: str, *, upgrade: bool) -> Any:
    if _postgres(target):
        postgres = importlib.import_module("merx.adapters.postgres")  # the postgres extra
        return postgres.PostgresDatabase(target, documents=documents(), upgrade=upgrade)
    return SqliteDatabase(target, documents=documents(), upgrade=upgrade)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m merx", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="area", required=True)
    db = sub.add_parser("db", help="the database")
    action = db.add_subparsers(dest="action", required=True)
    for name, text in (("version", "print the schema version"), ("upgrade", "upgrade the schema")):
        command = action.add_parser(name, help=text)
        command.add_argument("target", help="a SQLite file (or a PostgreSQL DSN)")
    args = parser.parse_args(argv)
    if args.action == "version":
        version = _version(args.target)
    else:
        version = _open(args.target, upgrade=True).schema_version()
    print(f"{args.target}: merx schema {version} (this merx writes {SCHEMA_VERSION})")
    return 0


def _version(target: str) -> int:
    if _postgres(target):
        postgres = importlib.import_module("merx.adapters.postgres")
        return int(postgres.schema_version_of(target))
    return schema_version_of(target)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
