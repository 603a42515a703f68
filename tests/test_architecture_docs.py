"""docs/architecture.md stays true to the code: every ``merx.*`` name it mentions exists,
and every bounded context is named in its table of contexts."""

from __future__ import annotations

import importlib
import pkgutil
import re
import tomllib
from pathlib import Path

import merx

PAGE = Path(__file__).resolve().parents[1] / "docs" / "architecture.md"
NOT_CONTEXTS = {"adapters", "app", "errors", "kernel", "testing"}


def contexts() -> set[str]:
    """The bounded contexts: merx's sub-packages other than the kernel and the adapters."""
    return {
        module.name
        for module in pkgutil.iter_modules(merx.__path__)
        if module.ispkg and module.name not in NOT_CONTEXTS
    }


def resolves(dotted: str) -> bool:
    """Whether ``dotted`` names a module, or an attribute reached from one."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            target: object = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for name in parts[cut:]:
            if not hasattr(target, name):
                return False
            target = getattr(target, name)
        return True
    return False


def test_every_merx_name_on_the_page_exists() -> None:
    text = PAGE.read_text(encoding="utf-8")
    names = set(re.findall(r"\bmerx(?:\.[A-Za-z_][A-Za-z0-9_]*)+", text))
    missing = sorted(name for name in names if not resolves(name))
    assert not missing, f"docs/architecture.md names what does not exist: {missing}"


def test_every_context_is_in_the_table_of_contexts() -> None:
    text = PAGE.read_text(encoding="utf-8")
    table = text[text.index("## 3. Bounded contexts") :]
    table = table[: table.index("\n## ", 1)]
    listed = set(re.findall(r"^\| `merx\.([a-z_]+)` \|", table, flags=re.MULTILINE))
    assert listed == contexts()


def test_every_module_path_on_the_page_exists() -> None:
    text = PAGE.read_text(encoding="utf-8")
    paths = set(re.findall(r"`((?:[a-z_]+/)+[a-z_]+\.py)`", text))
    root = Path(merx.__file__).parent
    missing = sorted(
        path
        for path in paths
        if not (root / path).exists() and not (root.parents[1] / path).exists()
    )
    assert not missing, f"docs/architecture.md names files that do not exist: {missing}"


def test_the_table_of_api_sizes_is_the_code() -> None:
    """Section 4's table of names per context is each context's ``__all__``, row for row."""
    text = PAGE.read_text(encoding="utf-8")
    section = text[text.index("## 4. Public APIs and guardrails") :]
    section = section[: section.index("\n## ", 1)]
    listed = {
        name: int(size)
        for name, size in re.findall(r"^\| `merx\.([a-z_]+)` \| (\d+) \|$", section, re.MULTILINE)
    }
    actual = {name: len(importlib.import_module(f"merx.{name}").__all__) for name in contexts()}
    assert listed == actual


def test_the_layers_on_the_page_are_the_contract() -> None:
    """Section 3's block of layers is the import-linter ``layers`` contract, line for line."""
    text = PAGE.read_text(encoding="utf-8")
    start = text.index("```\nmerx.app | merx.testing\n") + len("```\n")
    block = text[start : text.index("```\n", start)].splitlines()
    pyproject = tomllib.loads((PAGE.parents[1] / "pyproject.toml").read_text(encoding="utf-8"))
    assert block == pyproject["tool"]["importlinter"]["contracts"][0]["layers"]
