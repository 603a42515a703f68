"""The README's "use it from your service" example runs as written."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_python_example_runs() -> None:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert blocks, "README has no python example"
    for block in blocks:
        exec(compile(block, str(README), "exec"), {"__name__": "readme"})


def test_the_map_of_the_docs_names_every_page() -> None:
    text = README.read_text(encoding="utf-8")
    pages = sorted(path.name for path in (README.parent / "docs").glob("*.md"))
    missing = [page for page in pages if f"(docs/{page})" not in text]
    assert not missing, f"README's map of the docs lacks {missing}"
