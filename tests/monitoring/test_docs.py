"""docs/monitoring.md shows the alarm's transition table generated from the code, and
every merx name it and the glossary give for monitoring exists."""

from __future__ import annotations

import re
from pathlib import Path

from merx.monitoring.model import ALARM_FLOW
from tests.test_architecture_docs import resolves

DOC = Path(__file__).resolve().parents[2] / "docs" / "monitoring.md"


def test_the_docs_show_the_alarm_transition_table() -> None:
    assert f"```mermaid\n{ALARM_FLOW.to_mermaid()}\n```" in DOC.read_text(encoding="utf-8")


def test_every_merx_name_in_the_page_and_the_glossary_exists() -> None:
    glossary = (DOC.parent / "glossary.md").read_text(encoding="utf-8").splitlines()
    ours = "\n".join(line for line in glossary if "merx.monitoring" in line)
    names = set(re.findall(r"\bmerx(?:\.[A-Za-z_][A-Za-z0-9_]*)+", DOC.read_text() + ours))
    assert "merx.monitoring.render_report" in names
    assert "merx.monitoring.EvaluateAlarms" in names
    assert not sorted(name for name in names if not resolves(name))
