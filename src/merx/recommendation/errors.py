"""Errors of the recommendation context."""

from __future__ import annotations

from merx.kernel.errors import ValidationError


class InvalidPipeline(ValidationError):
    """A pipeline's settings cannot work (a weight below zero, a cap below one, a count out
    of range), or a rating is out of range."""
