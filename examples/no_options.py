"""What the scripted journeys say on their command line: they take no options.

Each journey is a fixed script over a fresh in-memory merx with sequential ids and a fixed
clock, so every run prints the same (docs/tour.md shows it); there is nothing to seed.
``--help`` says so; any other argument is refused with exit status 2.
"""

from __future__ import annotations

import argparse


def takes_no_options(doc: str | None, argv: list[str] | None = None) -> None:
    """Parse ``argv`` (the process's by default): ``--help`` prints ``doc``; nothing else is
    accepted."""
    parser = argparse.ArgumentParser(
        description=(doc or "").strip().splitlines()[0] if doc else None,
        epilog=(
            "This journey takes no options (no --seed): it is a fixed script with sequential "
            "ids and a fixed clock, so every run prints the same. For a seeded day of trade, "
            "run examples/simulate.py --seed N."
        ),
    )
    parser.parse_args(argv)
