"""Contract suites: one per port, for a host to run against its own adapters.

Each module holds the suite of one port (or of a few small ports) as a base class named
``<Port>Contract``. Its ``test_*`` methods ask for one fixture that the host provides, a
factory of fresh adapters (or of a harness around one) named ``make_<thing>``. The suite
calls it once per test and once per generated example (a property test runs ``@given``
inside the test method), so the fixture may have any scope and one suite may be
subclassed for several adapters. Subclass the suite under a name pytest collects and
provide the fixture::

    import pytest

    from merx.testing.payment_gateway import GatewayFactory, PaymentGatewayContract
    from myshop.payments import AlipaySandboxGateway


    class TestAlipaySandbox(PaymentGatewayContract):
        @pytest.fixture
        def make_gateway(self) -> GatewayFactory:
            return lambda channel: AlipaySandboxGateway(channel, sandbox_credentials())

The failures a suite needs (a decline, a timeout before or after the far side acted, a
pending answer) are injected through test hooks that the factory's adapters offer beside
the port: each module names them in a ``Protocol`` (``ScriptableGateway``...). A sandbox
adapter implements them over the sandbox's failure simulator.

The modules, their suites and the fixture each asks for:

- :mod:`merx.testing.store`: ``StoreContract`` (``make_store``), for ``Repository`` and
  ``UnitOfWork``;
- :mod:`merx.testing.journal`: ``JournalContract`` (``make_journal``);
- :mod:`merx.testing.queries`: ``OrderQueriesContract`` and ``PaymentQueriesContract``
  (``make_queries_world``);
- :mod:`merx.testing.marketing_queries`: ``ReachQueriesContract`` and
  ``TrafficQueriesContract`` (``make_queries_world``, a ``MarketingQueriesWorld``);
- :mod:`merx.testing.payment_gateway`: ``PaymentGatewayContract`` (``make_gateway``);
- :mod:`merx.testing.risk`: ``TransactionRiskContract`` (``make_risk``),
  ``CreditScorerContract`` (``make_scorer``), ``ChannelHealthContract`` (``make_health``);
- :mod:`merx.testing.logistics`: ``LogisticsContract`` (``make_logistics``);
- :mod:`merx.testing.supplier`: ``VirtualGoodsSupplierContract`` (``make_supplier``);
- :mod:`merx.testing.consignment`: ``ConsignmentChannelContract`` (``make_channel``);
- :mod:`merx.testing.funder`: ``FunderContract`` (``make_funder``);
- :mod:`merx.testing.payout`: ``PayoutContract`` (``make_payout``);
- :mod:`merx.testing.notifier`: ``NotifierContract`` (``make_notifier``);
- :mod:`merx.testing.randomness`: ``RandomSourceContract`` (``make_random``);
- :mod:`merx.testing.vault`: ``VaultContract`` (``make_vault``);
- :mod:`merx.testing.data`: ``FactStoreContract`` (``make_facts``), for ``FactStore``.

This package needs pytest and hypothesis, which are not dependencies of merx: install
merx's ``dev`` extra (``pip install 'merx[dev]'``) or your own pytest and hypothesis. It
imports the kernel and the contexts' public APIs and ``ports`` modules, never an adapter
(import-linter checks it). Property tests run under the hypothesis profile the host
loads; the suites register their modules for pytest's assertion rewriting.
"""

from __future__ import annotations

import pytest

#: Every suite module, registered for pytest's assertion rewriting before it is imported.
SUITES = (
    "consignment",
    "data",
    "funder",
    "journal",
    "logistics",
    "marketing_queries",
    "notifier",
    "payment_gateway",
    "payout",
    "queries",
    "randomness",
    "risk",
    "store",
    "supplier",
    "vault",
)

pytest.register_assert_rewrite(*(f"{__name__}.{suite}" for suite in SUITES))
