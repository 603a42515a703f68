"""docs/marketing.md shows the play state tables generated from the code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from merx.kernel.state import StateMachine
from merx.play.lottery import LOTTERY_FLOW
from merx.play.tasks import PROGRESS_FLOW, TASK_FLOW
from tests.test_architecture_docs import resolves

DOC = Path(__file__).resolve().parents[2] / "docs" / "marketing.md"


@pytest.mark.parametrize("flow", [TASK_FLOW, PROGRESS_FLOW, LOTTERY_FLOW], ids=lambda f: f.name)
def test_the_docs_show_each_transition_table(flow: StateMachine) -> None:  # type: ignore[type-arg]
    assert f"```mermaid\n{flow.to_mermaid()}\n```" in DOC.read_text(encoding="utf-8")


def test_the_docs_name_the_week_start_and_zone() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert "starting Monday 00:00 at the task's UTC offset" in text
    assert "## Interactive play" in text


def test_every_merx_name_in_the_section_and_the_glossary_exists() -> None:
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("## Interactive play") :]
    section = section[: section.index("\n## ", 1)] if "\n## " in section[1:] else section
    glossary = (DOC.parent / "glossary.md").read_text(encoding="utf-8").splitlines()
    ours = "\n".join(line for line in glossary if "merx.play" in line)
    names = set(re.findall(r"\bmerx(?:\.[A-Za-z_][A-Za-z0-9_]*)+", section + ours))
    assert "merx.play.RewardGrant" in names
    assert not sorted(name for name in names if not resolves(name))
