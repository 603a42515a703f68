"""Pages: components checked against the registry with the JSON path of each fault,
drafts, publish, roll back, archive and preview at an instant."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from merx.errors import IllegalTransition
from merx.kernel.ids import PLATFORM
from merx.traffic import (
    ArchivePage,
    DanglingReference,
    FieldInvalid,
    NotYours,
    Page,
    PageInvalid,
    PageState,
    PublishPage,
    RollBackPage,
    SavePageDraft,
    UnknownComponent,
    VersionUnknown,
    page_from_json,
    preview_page,
)
from merx.traffic import serde as traffic_serde
from tests.traffic import world
from tests.traffic.world import START

BANNER = {"type": "banner", "image": "https://cdn/50off.png", "link": "/newcomer"}


def page(*components: dict[str, Any]) -> dict[str, Any]:
    return {"components": list(components)}


@pytest.mark.parametrize(
    ("content", "error", "path"),
    [
        (page({"type": "carousel", "image": "/a.png"}), UnknownComponent, "$.components[0].type"),
        (page(BANNER, {"type": "banner"}), FieldInvalid, "$.components[1].image"),
        (page({"type": "banner", "image": 7}), FieldInvalid, "$.components[0].image"),
        (page({"type": "banner", "image": "ftp://x"}), FieldInvalid, "$.components[0].image"),
        (page({**BANNER, "colour": "red"}), FieldInvalid, "$.components[0].colour"),
        (page({"type": "product_grid", "skus": []}), FieldInvalid, "$.components[0].skus"),
        (page({"type": "product_grid", "skus": ["tee", 3]}), FieldInvalid,
         "$.components[0].skus[1]"),
        (page({"type": "product_grid", "skus": ["tee"], "columns": True}), FieldInvalid,
         "$.components[0].columns"),
        (page({"type": "countdown", "until": "2026-01-02T00:00:00"}), FieldInvalid,
         "$.components[0].until"),
        (page({**BANNER, "show_from": "2026-01-02T00:00:00+00:00",
               "show_until": "2026-01-01T00:00:00+00:00"}), FieldInvalid,
         "$.components[0].show_until"),
        ({"components": ["banner"]}, PageInvalid, "$.components[0]"),
        ({"components": [], "title": "x"}, PageInvalid, "$"),
        ({"components": {}}, PageInvalid, "$.components"),
    ],
)  # fmt: skip
def test_a_malformed_page_is_refused_with_its_path_and_nothing_saved(
    content: dict[str, Any], error: type[PageInvalid], path: str
) -> None:
    shop = world.app()
    with pytest.raises(error) as raised:
        shop.handle(SavePageDraft("home", PLATFORM, "Home", content))
    assert type(raised.value) is error
    assert raised.value.path == path
    assert path in str(raised.value)
    with shop.unit_of_work() as uow:
        assert uow.repo(Page).peek("home") is None


@pytest.mark.parametrize(
    ("component", "path"),
    [
        ({"type": "product_grid", "skus": ["tee", "nope"]}, "$.components[1].skus[1]"),
        ({"type": "product", "sku": "nope"}, "$.components[1].sku"),
        ({"type": "coupon_entrance", "campaign": "nope"}, "$.components[1].campaign"),
    ],
)
def test_a_dangling_reference_is_refused_with_its_path(
    component: dict[str, Any], path: str
) -> None:
    shop = world.app()
    world.skus(shop)
    with pytest.raises(DanglingReference) as raised:
        shop.handle(SavePageDraft("home", PLATFORM, "Home", page(BANNER, component)))
    assert raised.value.path == path
    with shop.unit_of_work() as uow:
        assert uow.repo(Page).peek("home") is None


def test_every_registered_component_is_accepted_and_reads_back_equal() -> None:
    shop = world.app()
    world.skus(shop)
    ten = world.campaign(shop, PLATFORM, "ten")
    content = page(
        BANNER,
        {"type": "product_grid", "skus": ["tee"], "columns": 2, "title": "Tees"},
        {"type": "product", "sku": "tee", "highlight": True},
        {"type": "coupon_entrance", "campaign": ten, "label": "10% off"},
        {"type": "activity_entrance", "campaign": ten, "image": "/act.png"},
        {"type": "countdown", "until": "2026-01-02T00:00:00+00:00", "label": "ends in"},
        {"type": "text", "body": "Welcome", "show_from": "2026-01-01T12:00:00+00:00"},
    )
    shop.handle(SavePageDraft("home", PLATFORM, "Home", content))
    saved = shop.get(Page, "home")
    assert saved.draft.to_json() == content
    assert page_from_json(saved.draft.to_json()) == saved.draft
    assert traffic_serde.structure(traffic_serde.unstructure(saved), Page) == saved


def test_publish_edit_roll_back_and_archive() -> None:
    shop = world.app()
    first = page(BANNER)
    second = page({"type": "text", "body": "v2"})
    shop.handle(SavePageDraft("home", PLATFORM, "Home", first))
    assert shop.handle(PublishPage("home", PLATFORM)) == 1
    shop.handle(SavePageDraft("home", PLATFORM, "Home", second))
    saved = shop.get(Page, "home")
    assert (saved.status, saved.live, saved.published(1).content.to_json()) == (
        PageState.PUBLISHED, 1, first,
    )  # fmt: skip
    assert shop.handle(PublishPage("home", PLATFORM)) == 2
    shop.handle(RollBackPage("home", PLATFORM, 1))
    assert shop.get(Page, "home").live == 1
    with pytest.raises(VersionUnknown):
        shop.handle(RollBackPage("home", PLATFORM, 1))  # already live
    with pytest.raises(VersionUnknown):
        shop.handle(RollBackPage("home", PLATFORM, 3))
    with pytest.raises(NotYours):
        shop.handle(PublishPage("home", world.SHOP))
    with pytest.raises(NotYours):
        shop.handle(SavePageDraft("home", world.SHOP, "Mine", first))
    shop.handle(ArchivePage("home", PLATFORM))
    with pytest.raises(IllegalTransition):
        shop.handle(PublishPage("home", PLATFORM))
    assert shop.get(Page, "home").status is PageState.ARCHIVED


def test_a_draft_cannot_roll_back() -> None:
    shop = world.app()
    shop.handle(SavePageDraft("home", PLATFORM, "Home", page(BANNER)))
    with pytest.raises(VersionUnknown):
        shop.handle(RollBackPage("home", PLATFORM, 1))


def test_preview_resolves_countdowns_and_scheduled_components_at_the_instant() -> None:
    shop = world.app()
    content = page(
        {"type": "countdown", "until": "2026-01-02T00:00:00+00:00"},
        {"type": "text", "body": "flash", "show_from": "2026-01-01T12:00:00+00:00",
         "show_until": "2026-01-01T14:00:00+00:00"},
        BANNER,
    )  # fmt: skip
    shop.handle(SavePageDraft("home", PLATFORM, "Home", content))
    with shop.unit_of_work() as uow:
        morning = preview_page(uow, "home", START + timedelta(hours=1, seconds=0.5))
        noon = preview_page(uow, "home", START + timedelta(hours=12))
        late = preview_page(uow, "home", START + timedelta(hours=14))
        after = preview_page(uow, "home", START + timedelta(days=1))
    assert [c.type for c in morning.components] == ["countdown", "banner"]
    assert morning.components[0].seconds_left == 23 * 3600 - 1  # rounded down
    assert [c.type for c in noon.components] == ["countdown", "text", "banner"]
    assert [c.type for c in late.components] == ["countdown", "banner"]
    assert [c.type for c in after.components] == ["banner"]  # the countdown passed


texts = st.lists(st.text(alphabet="abcxyz", min_size=1, max_size=8), min_size=0, max_size=4)


def _text_page(bodies: list[str]) -> dict[str, Any]:
    return page(*({"type": "text", "body": body} for body in bodies))


@settings(max_examples=30, deadline=None)
@given(published=texts, edits=st.lists(texts, min_size=1, max_size=4))
def test_a_published_version_never_changes_when_the_draft_is_edited(
    published: list[str], edits: list[list[str]]
) -> None:
    shop = world.app()
    shop.handle(SavePageDraft("home", PLATFORM, "Home", _text_page(published)))
    shop.handle(PublishPage("home", PLATFORM))
    for bodies in edits:
        shop.handle(SavePageDraft("home", PLATFORM, "Home", _text_page(bodies)))
        saved = shop.get(Page, "home")
        assert saved.published(1).content.to_json() == _text_page(published)
        assert saved.live == 1
        assert saved.draft.to_json() == _text_page(bodies)


@settings(max_examples=30, deadline=None)
@given(versions=st.lists(texts, min_size=2, max_size=5), data=st.data())
def test_rolling_back_restores_exactly_the_version(
    versions: list[list[str]], data: st.DataObject
) -> None:
    shop = world.app()
    for bodies in versions:
        shop.handle(SavePageDraft("home", PLATFORM, "Home", _text_page(bodies)))
        shop.handle(PublishPage("home", PLATFORM))
    back = data.draw(st.integers(1, len(versions) - 1))
    shop.handle(RollBackPage("home", PLATFORM, back))
    saved = shop.get(Page, "home")
    assert saved.live == back
    live = saved.live_content()
    assert live is not None
    assert live.to_json() == _text_page(versions[back - 1])
    with shop.unit_of_work() as uow:
        assert [
            c.fields["body"] for c in preview_page(uow, "home", START, version=back).components
        ] == versions[back - 1]
