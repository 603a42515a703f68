"""The package's metadata: an SPDX licence the build backend really writes, the licence
file shipped, classifiers, and a build-system floor that supports both."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def project() -> dict[str, object]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_the_licence_is_an_spdx_expression_with_its_file() -> None:
    meta = project()["project"]
    assert isinstance(meta, dict)
    assert meta["license"] == "Apache-2.0"
    assert meta["license-files"] == ["LICENSE"]
    assert "Apache License" in (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert not any("License ::" in c for c in meta["classifiers"])  # PEP 639: no both


def test_the_build_floor_writes_spdx_licences() -> None:
    build = project()["build-system"]
    assert isinstance(build, dict)
    floor = next(r for r in build["requires"] if r.startswith("setuptools"))
    assert floor == "setuptools>=77"  # the first setuptools with PEP 639 license expressions


def test_it_says_what_it_is() -> None:
    meta = project()["project"]
    assert isinstance(meta, dict)
    assert "Typing :: Typed" in meta["classifiers"]
    assert meta["requires-python"] == ">=3.11"
    assert set(meta["dependencies"]) == {"attrs>=23.1", "cattrs>=23.2", "python-dateutil>=2.8"}
