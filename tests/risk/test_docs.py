"""docs/risk.md and the glossary's risk rows name only what exists, and show the review
table generated from the code."""

from __future__ import annotations

import re
from pathlib import Path

from merx import risk
from merx.risk.model import REVIEW_FLOW
from tests.test_architecture_docs import resolves

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_every_merx_name_on_the_page_and_in_the_glossary_exists() -> None:
    page = (DOCS / "risk.md").read_text(encoding="utf-8")
    glossary = (DOCS / "glossary.md").read_text(encoding="utf-8").splitlines()
    ours = "\n".join(line for line in glossary if "merx.risk" in line)
    names = set(re.findall(r"\bmerx(?:\.[A-Za-z_][A-Za-z0-9_]*)+", page + ours))
    assert "merx.risk.AssessTransaction" in names
    assert not sorted(name for name in names if not resolves(name))


def test_the_page_shows_the_review_table_and_every_pack_rule() -> None:
    page = (DOCS / "risk.md").read_text(encoding="utf-8")
    assert f"```mermaid\n{REVIEW_FLOW.to_mermaid()}\n```" in page
    for rule in risk.standard_rules():
        assert f"| `{rule.id}` |" in page, rule.id
    for action, features in risk.FEATURES.items():
        for name, _ in features:
            assert f"`{name}`" in page, (action, name)
