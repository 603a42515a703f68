"""The reach context's errors, each under one family of :mod:`merx.errors`. None names a
personal value: a template error names the template and the variable, a scope error the
campaign and the customer id."""

from __future__ import annotations

from merx.kernel.errors import BusinessRuleViolation, ValidationError


class TemplateInvalid(ValidationError):
    """A template's body or variables are malformed (an unclosed brace, a bad name)."""


class UnknownTemplateVariable(TemplateInvalid):
    """The body names a variable the template does not declare; nothing was saved."""

    def __init__(self, template_id: str, variable: str) -> None:
        super().__init__(
            f"template {template_id!r} names {{{variable}}}, which it does not declare"
        )
        self.template_id = template_id
        self.variable = variable


class PersonalValueInTemplate(TemplateInvalid):
    """The body or the variables name a personal value a message must never carry (the
    phone, the ID card, a bank card): a channel that needs the number gets it as the
    recipient, at the adapter."""


class TemplateValueInvalid(ValidationError):
    """A value given for a template variable is missing or not of its declared type."""


class CampaignInvalid(ValidationError):
    """A reach campaign's definition is inconsistent (a segment trigger without a
    scenario, an event trigger without an event, a cap that is not positive...)."""


class OutOfReachScope(BusinessRuleViolation):
    """A merchant's campaign was sent to a customer who neither bought from the merchant
    nor follows its store."""
