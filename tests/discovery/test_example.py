"""examples/recommend_ab.py runs as written, its figures add up, and docs/search.md shows
what it prints."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
sys.path.insert(0, str(EXAMPLES))

import recommend_ab  # noqa: E402

from merx.app import build_memory_app  # noqa: E402


def test_the_ab_of_two_pipelines_attributes_every_click_to_one_variation() -> None:
    lines: list[str] = []
    recommend_ab.run(build_memory_app(), lines.append)
    variations = [line for line in lines if line.startswith("variation ")]
    assert len(variations) == 2
    clicks = sum(int(line.split("clicks ")[1].split(",")[0]) for line in variations)
    orders = sum(int(line.split("orders attributed ")[1].split(",")[0]) for line in variations)
    exposed = sum(int(line.split("exposed ")[1].split(",")[0]) for line in variations)
    assert clicks == exposed == 24
    assert orders == 12  # every other clicker bought the SKU clicked
    assert "moved down: category" in lines[-1]  # pipeline b keeps one item per category


def test_the_page_shows_what_the_example_prints() -> None:
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / "recommend_ab.py")],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    page = (EXAMPLES.parent / "docs" / "search.md").read_text(encoding="utf-8")
    assert f"```\n{done.stdout.rstrip()}\n```" in page
