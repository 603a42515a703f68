"""Test settings: hypothesis profiles (``HYPOTHESIS_PROFILE=dev`` for quick local runs), and
the PostgreSQL fixtures."""

from __future__ import annotations

import collections
import itertools
import os
from collections.abc import Callable, Iterator

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "default", max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=20, deadline=None)
settings.register_profile("thorough", max_examples=2000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


# -- PostgreSQL ----------------------------------------------------------------------------
# Tests marked ``postgres`` take the DSN of a live PostgreSQL from MERX_TEST_POSTGRES
# (`make test` starts a throwaway cluster and sets it: .ci/with-postgres). Without it they
# skip, except with CI=true, where they fail. Each test gets schemas of its own.

POSTGRES_VARIABLE = "MERX_TEST_POSTGRES"


@pytest.fixture(scope="session")
def postgres_dsn() -> str:
    """The DSN of the test PostgreSQL (skips or, in CI, fails without one)."""
    dsn = os.environ.get(POSTGRES_VARIABLE)
    if not dsn:
        reason = (
            f"no PostgreSQL: {POSTGRES_VARIABLE} is not set "
            "(`make test` starts a throwaway cluster and sets it)"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true needs PostgreSQL: {reason}")
        pytest.skip(reason)
    pytest.importorskip("psycopg", reason="the postgres extra is not installed")
    return dsn


@pytest.fixture
def postgres_schema(postgres_dsn: str) -> Iterator[Callable[[], str]]:
    """Makes fresh, empty schemas (dropped after the test): each call returns a DSN whose
    ``search_path`` is a new one."""
    import psycopg
    from psycopg.conninfo import make_conninfo

    made: list[str] = []

    def fresh() -> str:
        name = f"test_{os.getpid()}_{next(_schema_numbers)}"
        with psycopg.connect(postgres_dsn, autocommit=True) as db:
            db.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")
            db.execute(f"CREATE SCHEMA {name}")
        made.append(name)
        return make_conninfo(postgres_dsn, options=f"-c search_path={name}")

    yield fresh
    if made:
        with psycopg.connect(postgres_dsn, autocommit=True) as db:
            for name in made:
                db.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")


_schema_numbers = itertools.count(1)
_postgres_outcomes: collections.Counter[str] = collections.Counter()
_postgres_tests: set[str] = set()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    _postgres_tests.update(item.nodeid for item in items if item.get_closest_marker("postgres"))


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Count the outcomes of the PostgreSQL tests (a skip in setup counts as a skip)."""
    if report.nodeid in _postgres_tests and (report.when == "call" or report.outcome != "passed"):
        _postgres_outcomes[report.outcome] += 1


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """One line saying how many PostgreSQL tests ran, so a log shows they did."""
    if not _postgres_outcomes:
        return
    counts = ", ".join(f"{n} {outcome}" for outcome, n in sorted(_postgres_outcomes.items()))
    where = os.environ.get(POSTGRES_VARIABLE) or f"{POSTGRES_VARIABLE} is not set"
    terminalreporter.write_line(f"PostgreSQL tests ({where}): {counts}")
