"""Run merx's journeys end to end on an in-memory platform and print the trace.

``make demo`` runs this file. Today it runs journey 1 (a self-operated phone: procured
from a supplier, listed under profit control, bought, paid, shipped, delivered,
completed; and a refund before shipment), journey 2 (a marketplace store from onboarding
to its first withdrawal) and journey 3 (phone-bill top-ups bought from a real-time
supplier: credited, refused and refunded, timed out and settled) and journey 4 (a phone
paid in installments: credit, financing with fallback, bills, repayment, a return). The full seeded
simulation of a day of trade across the four journeys is issue 8.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import journey_installments
import journey_merchant
import journey_phone
import journey_topup


def main() -> int:
    app = journey_phone.build_app()
    print("== journey 1: a self-operated phone ==")
    journey_phone.run(app, lambda line: print(f"  {line}"))
    print("== journey 2: a marketplace clothing store ==")
    journey_merchant.run(journey_merchant.build_app(), lambda line: print(f"  {line}"))
    print("== journey 3: a phone-bill top-up ==")
    journey_topup.run(app, lambda line: print(f"  {line}"))
    print("== journey 4: buy now, pay later ==")
    journey_installments.run(journey_installments.build_app(), lambda line: print(f"  {line}"))
    print(f"== {len(app.events.events)} domain events published (journeys 1 and 3) ==")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
