"""merx.clearing: marketplace orders flow into the settlement ledger.

Subscribers that turn the golden process's events into settlement's bookings: a paid
merchant order books its lines (amount, the merchant's own discount, the platform's
subsidy) through the channel it was paid with; a completed one clears to the merchant;
each after-sales refund reverses its lines. Self-operated (platform) orders are not
cleared: the platform keeps its own sales.

Nothing here is called by a host directly: ``merx.app.register_clearing`` subscribes the
handlers of :mod:`merx.clearing.services` to the events, so the public API is empty.
"""

__all__: list[str] = []
