"""The test catalogue (catalogue.json: 300 SKUs, Chinese and English titles) as documents."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from merx.kernel.money import Money
from merx.search import SearchDocument

START = datetime(2026, 1, 1, tzinfo=UTC)


def documents() -> list[SearchDocument]:
    data = json.loads((Path(__file__).parent / "catalogue.json").read_text(encoding="utf-8"))
    return [
        SearchDocument(
            sku_id=row["sku_id"],
            title=row["title"],
            category=row["category"],
            merchant=row["merchant"],
            brand=row["brand"],
            price=Money.of(row["price"], "CNY"),
            sales=row["sales"],
            listed_at=START + timedelta(days=row["listed_day"]),
            stocked_in=frozenset(row["stocked_in"]),
            sold_to=frozenset(row.get("sold_to", ())),
        )
        for row in data["skus"]
    ]
