"""A seller's freight terms: the freight templates the checkout prices its lines with.

One :class:`FreightTerms` per seller holds its :class:`~merx.pricing.FreightTemplate`s, one
per warehouse origin (``None``: the seller's one template). The checkout hands the terms of
the sellers in a cart to the engine, which charges each shipment its template's fee
(docs/orders.md, "Freight").
"""

from __future__ import annotations

import attrs

from merx.checkout.errors import NoFreightTemplate
from merx.kernel.aggregate import Aggregate
from merx.kernel.events import DomainEvent
from merx.kernel.ids import MerchantId
from merx.pricing import FreightTemplate, InvalidFreightTemplate


@attrs.frozen
class FreightTemplateSet(DomainEvent):
    seller: MerchantId
    origin: str | None


@attrs.frozen
class FreightTemplateRemoved(DomainEvent):
    seller: MerchantId
    origin: str | None


@attrs.define(kw_only=True)
class FreightTerms(Aggregate):
    """The freight templates of seller ``id``, at most one per origin."""

    id: MerchantId
    templates: tuple[FreightTemplate, ...] = ()

    def set(self, template: FreightTemplate) -> None:
        """Put ``template`` in place of the one from the same origin (if any)."""
        if not isinstance(template, FreightTemplate):
            raise InvalidFreightTemplate(f"a freight template is expected, got {template!r}")
        if template.seller != self.id:
            raise InvalidFreightTemplate(
                f"the freight template of {template.seller!r} cannot be set for {self.id!r}"
            )
        kept = tuple(t for t in self.templates if t.origin != template.origin)
        self.templates = (*kept, template)
        self.record(FreightTemplateSet(self.id, template.origin))

    def remove(self, origin: str | None) -> None:
        """Drop the template from ``origin``: the seller charges no freight from there."""
        if all(t.origin != origin for t in self.templates):
            raise NoFreightTemplate(f"{self.id!r} has no freight template from {origin!r}")
        self.templates = tuple(t for t in self.templates if t.origin != origin)
        self.record(FreightTemplateRemoved(self.id, origin))
