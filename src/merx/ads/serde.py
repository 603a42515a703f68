"""The cattrs converter for the search ads context's stored documents.

Built on :mod:`merx.kernel.serde`; :func:`structure` raises
:class:`~merx.kernel.errors.ValidationError` on malformed data.
"""

from __future__ import annotations

from typing import Any

import cattrs

from merx.ads.model import AdCampaign, AdKeyword
from merx.kernel import serde as base

AGGREGATES: tuple[type[Any], ...] = (AdCampaign, AdKeyword)


def make_converter() -> cattrs.Converter:
    """A fresh converter for the search ads context's types."""
    return base.make_converter(AGGREGATES)


_serde = base.ContextSerde(make_converter())
converter = _serde.converter
unstructure = _serde.unstructure
structure = _serde.structure
