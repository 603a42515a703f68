"""docs/tags.md shows the life cycle exactly as the code declares it, and names every
built-in tag."""

from __future__ import annotations

from pathlib import Path

from merx.tags import BUILTIN_TAGS
from merx.tags.model import TAG_FLOW

DOC = (Path(__file__).resolve().parents[2] / "docs" / "tags.md").read_text(encoding="utf-8")


def test_the_page_holds_the_life_cycle_as_generated() -> None:
    assert f"```mermaid\n{TAG_FLOW.to_mermaid()}\n```" in DOC


def test_the_page_names_every_builtin_tag() -> None:
    table = DOC[DOC.index("## Built-in user tags") : DOC.index("### How they are computed")]
    for spec in BUILTIN_TAGS:
        stem = spec.name.rsplit("_", 1)[0] if spec.name[-1] == "d" else spec.name
        assert f"`{spec.name}`" in table or f"`{stem}" in table, spec.name
