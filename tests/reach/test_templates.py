"""Templates: typed variables checked at save (nothing saved on a fault), rendering with
the masked name, no personal value in a body."""

from __future__ import annotations

import pytest

from merx import reach
from merx.kernel.errors import NotFound
from merx.reach import (
    PersonalValueInTemplate,
    ReachChannel,
    TemplateInvalid,
    TemplateValueInvalid,
    UnknownTemplateVariable,
    VarType,
)

from .conftest import World

TYPED = {
    "amount": VarType.MONEY,
    "until": VarType.DATE,
    "link": VarType.COUPON_LINK,
    "n": VarType.NUMBER,
    "shop": VarType.STRING,
}


def test_an_unknown_variable_in_the_body_is_a_typed_error_and_nothing_is_saved(
    world: World,
) -> None:
    with pytest.raises(UnknownTemplateVariable) as raised:
        world.app.handle(
            reach.SaveTemplate("t1", ReachChannel.SMS, "{shop}: {discount} off", TYPED)
        )
    assert (raised.value.template_id, raised.value.variable) == ("t1", "discount")
    with pytest.raises(NotFound):
        world.app.get(reach.Template, "t1")


@pytest.mark.parametrize(
    ("body", "variables", "error"),
    [
        ("call {phone}", {}, PersonalValueInTemplate),
        ("hi", {"id_card": VarType.STRING}, PersonalValueInTemplate),
        ("open {", {}, TemplateInvalid),
        ("{shop!r}", TYPED, TemplateInvalid),
        ("{n:>5}", TYPED, TemplateInvalid),
        ("{0}", {}, TemplateInvalid),
        ("", {}, TemplateInvalid),
        ("hi", {"Bad": VarType.STRING}, TemplateInvalid),
    ],
)
def test_malformed_templates_are_refused(
    world: World, body: str, variables: dict[str, VarType], error: type[Exception]
) -> None:
    with pytest.raises(error):
        world.app.handle(reach.SaveTemplate("t1", ReachChannel.SMS, body, variables))
    with pytest.raises(NotFound):
        world.app.get(reach.Template, "t1")


def test_rendering_checks_each_type_and_masks_the_name() -> None:
    template = reach.Template.define(
        "t",
        ReachChannel.PUSH,
        "{customer_name}: {shop} {amount} off x{n} until {until} {link} {{braces}}",
        TYPED,
    )
    text = template.render(
        {
            "shop": "Mei's",
            "amount": "25.00 CNY",
            "n": "2",
            "until": "2026-12-31",
            "link": "app://coupon/7",
        },
        "张**",
    )
    assert text == "张**: Mei's 25.00 CNY off x2 until 2026-12-31 app://coupon/7 {braces}"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("amount", "25 dollars"),
        ("amount", "25.001 CNY"),
        ("until", "31/12/2026"),
        ("link", "http://insecure"),
        ("link", "https://x y"),
        ("n", "NaN"),
        ("shop", "call 13800001234"),  # a mobile number never goes in a body
    ],
)
def test_a_value_not_of_its_type_is_refused(variable: str, value: str) -> None:
    template = reach.Template.define("t", ReachChannel.SMS, "{" + variable + "}", TYPED)
    with pytest.raises((TemplateValueInvalid, PersonalValueInTemplate)) as raised:
        template.render({variable: value}, "")
    assert value not in str(raised.value)  # a value may be personal: never in the message


def test_a_missing_or_undeclared_value_is_refused() -> None:
    template = reach.Template.define("t", ReachChannel.SMS, "{shop}", TYPED)
    with pytest.raises(TemplateValueInvalid):
        template.render({}, "")
    with pytest.raises(TemplateValueInvalid):
        template.render({"shop": "a", "colour": "red"}, "")


def test_a_campaign_with_a_bad_fixed_value_is_refused_and_nothing_is_saved(world: World) -> None:
    world.app.handle(reach.SaveTemplate("t", ReachChannel.SMS, "{until}", TYPED))
    trigger = reach.Trigger(reach.TriggerKind.ONCE)
    with pytest.raises(TemplateValueInvalid):
        world.app.handle(
            reach.DefineReachCampaign("c", ReachChannel.SMS, "t", trigger, values={"until": "soon"})
        )
    with pytest.raises(reach.CampaignInvalid):
        world.app.handle(reach.DefineReachCampaign("c", ReachChannel.PUSH, "t", trigger))
    with pytest.raises(reach.CampaignInvalid):
        world.app.handle(
            reach.DefineReachCampaign(
                "c", ReachChannel.SMS, "t", reach.Trigger(reach.TriggerKind.SEGMENT)
            )
        )
    with pytest.raises(NotFound):
        world.app.get(reach.ReachCampaign, "c")
