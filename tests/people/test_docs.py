"""docs/people.md stays true: every merx name it gives exists, every people command and
error is on the page, and the masks it shows are what the code makes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from merx import people
from merx.people import numbers
from tests.test_architecture_docs import resolves

DOCS = Path(__file__).resolve().parents[2] / "docs"
PAGE = (DOCS / "people.md").read_text(encoding="utf-8")


def test_every_merx_name_on_the_page_and_in_the_glossary_exists() -> None:
    glossary = (DOCS / "glossary.md").read_text(encoding="utf-8").splitlines()
    ours = "\n".join(line for line in glossary if "merx.people" in line)
    names = set(re.findall(r"\bmerx(?:\.[A-Za-z_][A-Za-z0-9_]*)+", PAGE + ours))
    assert "merx.people.Vault" in names
    assert not sorted(name for name in names if not resolves(name))


@pytest.mark.parametrize("name", people.__all__)
def test_every_public_name_is_on_the_page(name: str) -> None:
    assert f"`{name}" in PAGE or f".{name}`" in PAGE or f"{name}(" in PAGE, name


def test_the_masks_shown_are_the_code_s() -> None:
    assert numbers.mask_phone("13812340000") in PAGE  # 138****0000
    assert numbers.mask_id_card("110105194912311234") in PAGE  # 1101**********1234
    assert numbers.mask_bank_card("6222021234567891234") in PAGE  # **** 1234
    assert numbers.mask_name("张三丰") in PAGE
