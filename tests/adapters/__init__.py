"""The contract suites of ``merx.testing``, run against the in-memory adapters."""
