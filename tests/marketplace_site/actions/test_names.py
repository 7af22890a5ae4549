"""Names at the integration layer: the Python door (``Marketplace``) and the user actions
refuse alike (CONTRACTS.md Names; issue 17)."""

from typing import Any

import pytest
from django.contrib.auth.models import User

from marketplace_site.actions import Marketplace
from marketplace_site.actions import plugins as plugin_actions
from marketplace_site.actions.install import InstallSource, install, plan_install
from marketplace_site.actions.names import POPULAR_MIN_REVIEWS, popular_names, release_name
from marketplace_site.types import DuplicateVersion, Forbidden, InvalidManifest
from registry.models import HeldVersion, NameRelease
from registry.names import HeldForReview, NameTooSimilar
from registry.services import NotPluginOwner
from reviews.models import Review
from tests.factories import make_manifest, make_moderator, make_review, make_superuser, make_user

pytestmark = pytest.mark.django_db


def reviewed(name: str, count: int = POPULAR_MIN_REVIEWS) -> None:
    for _ in range(count):
        make_review(name, make_user(), rating=5)


def test_a_removed_name_is_not_hijacked_and_keeps_its_reviews(marketplace: Marketplace) -> None:
    owner, attacker = make_user(), make_user()
    marketplace.publish(make_manifest("popular", "1.0.0"), owner=owner)
    reviewed("popular")
    plugin_actions.remove_version(marketplace, "popular", "1.0.0", acting_user=owner)
    for door in (
        lambda: plugin_actions.publish(
            marketplace, make_manifest("popular", "1.0.1"), acting_user=attacker
        ),
        lambda: marketplace.publish(make_manifest("popular", "1.0.1"), owner=attacker),
        lambda: marketplace.publish(make_manifest("Popular", "1.0.1")),  # no account at all
        lambda: marketplace.install_plugin(make_manifest("popular", "1.0.1"), owner=attacker),
    ):
        with pytest.raises(NotPluginOwner):
            door()
    assert marketplace.registry.versions("popular") == []
    assert Review.objects.filter(plugin_name="popular").count() == POPULAR_MIN_REVIEWS
    # The owner may come back, reviews and all.
    marketplace.publish(make_manifest("popular", "1.0.1"), owner=owner)
    assert marketplace.reviews.average_rating("popular") == 5.0


@pytest.mark.parametrize("name", ["csvtools", "CSV-T00LS", "csvt_ools", "Csv.Too1s"])
def test_a_lookalike_of_another_owners_name_is_refused_at_every_door(
    marketplace: Marketplace, name: str
) -> None:
    marketplace.publish(make_manifest("csv-tools"), owner=make_user())
    other = make_user()
    doors: list[Any] = [
        lambda: plugin_actions.publish(marketplace, make_manifest(name), acting_user=other),
        lambda: marketplace.publish(make_manifest(name), owner=other),
        lambda: marketplace.install_plugin(make_manifest(name), owner=other),
        lambda: plan_install(
            marketplace, InstallSource(manifest=make_manifest(name)), acting_user=other
        ),
        lambda: install(
            marketplace, InstallSource(manifest=make_manifest(name)), acting_user=other
        ),
    ]
    for door in doors:
        with pytest.raises(NameTooSimilar) as caught:
            door()
        assert caught.value.existing == "csv-tools"
        assert "'csv-tools'" in caught.value.errors["name"]
        assert caught.value.http_status == 400
    assert marketplace.registry.get(name) is None


def test_the_same_owner_may_hold_lookalike_names(marketplace: Marketplace) -> None:
    owner = make_user()
    marketplace.publish(make_manifest("csv-tools"), owner=owner)
    marketplace.publish(make_manifest("csvtools"), owner=owner)
    assert marketplace.registry.get("csvtools") is not None


def test_a_lookalike_of_a_reserved_name_is_refused(marketplace: Marketplace) -> None:
    owner = make_user()
    marketplace.publish(make_manifest("csv-tools"), owner=owner)
    plugin_actions.remove_version(marketplace, "csv-tools", "1.0.0", acting_user=owner)
    with pytest.raises(NameTooSimilar):
        marketplace.publish(make_manifest("CSV-T00LS"), owner=make_user())


def test_one_edit_from_a_popular_name_is_held_for_a_moderator(marketplace: Marketplace) -> None:
    marketplace.publish(make_manifest("csv-tools"), owner=make_user())
    reviewed("csv-tools")
    assert popular_names() == {"csv-tools"}
    author = make_user()
    with pytest.raises(HeldForReview) as caught:
        plugin_actions.publish(marketplace, make_manifest("csv-tool"), acting_user=author)
    assert caught.value.http_status == 202
    assert "held for review" in caught.value.message and "'csv-tools'" in caught.value.message
    held = HeldVersion.objects.get()
    assert (held.canonical_name, held.owner, held.similar_to) == ("csv-tool", author, "csv-tools")
    # Held is not public.
    assert marketplace.registry.get("csv-tool") is None
    # Sending it again does not queue it twice.
    with pytest.raises(DuplicateVersion, match="already waiting"):
        marketplace.publish(make_manifest("csv-tool"), owner=author)
    assert HeldVersion.objects.count() == 1


def test_one_edit_from_an_unpopular_name_is_published(marketplace: Marketplace) -> None:
    marketplace.publish(make_manifest("csv-tools"), owner=make_user())
    reviewed("csv-tools", POPULAR_MIN_REVIEWS - 1)
    marketplace.publish(make_manifest("csv-tool"), owner=make_user())
    assert marketplace.registry.get("csv-tool") is not None
    assert not HeldVersion.objects.exists()


def held_csv_tool(marketplace: Marketplace) -> tuple[HeldVersion, User]:
    marketplace.publish(make_manifest("csv-tools"), owner=make_user())
    reviewed("csv-tools")
    author = make_user()
    with pytest.raises(HeldForReview):
        manifest = make_manifest("csv-tool", dependencies={"csv-tools": "*"})
        marketplace.publish(manifest, owner=author)
    return HeldVersion.objects.get(), author


def test_a_moderator_approves_a_held_version(marketplace: Marketplace) -> None:
    held, author = held_csv_tool(marketplace)
    with pytest.raises(Forbidden):
        plugin_actions.decide_held(marketplace, held, acting_user=author, approve=True)
    moderator = make_superuser()
    published = plugin_actions.decide_held(marketplace, held, acting_user=moderator, approve=True)
    assert published is not None and published.name == "csv-tool"
    plugin = marketplace.registry.get_plugin("csv-tool")
    assert plugin is not None and plugin.owner == author
    # Its dependency edges are indexed, as for any publish.
    assert marketplace.depgraph.flatten("csv-tool") == ["csv-tools"]
    held.refresh_from_db()
    assert (held.decision, held.decided_by) == (HeldVersion.Decision.APPROVED, "root")
    with pytest.raises(plugin_actions.HeldAlreadyDecided):
        plugin_actions.decide_held(marketplace, held, acting_user=moderator, approve=False)
    # Its next versions are not held again.
    marketplace.publish(make_manifest("csv-tool", "1.1.0"), owner=author)


def test_a_moderator_rejects_a_held_version(marketplace: Marketplace) -> None:
    held, _author = held_csv_tool(marketplace)
    result = plugin_actions.decide_held(
        marketplace, held, acting_user=make_superuser(), approve=False
    )
    assert result is None
    assert marketplace.registry.get("csv-tool") is None
    held.refresh_from_db()
    assert held.decision == HeldVersion.Decision.REJECTED


def test_every_manifest_error_at_once(marketplace: Marketplace) -> None:
    bad = {
        "name": "loop",
        "version": "one",
        "entry_point": "x = 1\nif x:\nprint(x)\n",
        "dependencies": {"a": ">>>1", "b": "^^2", "loop": "^1.0.0", "c": "^1.0.0"},
    }
    with pytest.raises(InvalidManifest) as caught:
        plugin_actions.publish(marketplace, bad, acting_user=make_user())
    errors = caught.value.errors
    assert set(errors) == {
        "version",
        "entry_point",
        "dependencies.a",
        "dependencies.b",
        "dependencies.loop",
    }
    assert "line 3, column 1" in errors["entry_point"]
    assert "itself" in errors["dependencies.loop"]


def test_code_that_cannot_compile_is_refused_with_its_position(marketplace: Marketplace) -> None:
    with pytest.raises(InvalidManifest) as caught:
        marketplace.publish(make_manifest("x", entry_point="result = (1 +"))
    assert set(caught.value.errors) == {"entry_point"}
    assert "line 1" in caught.value.errors["entry_point"]
    with pytest.raises(InvalidManifest, match="outside function"):
        marketplace.publish(make_manifest("x", entry_point="return 1"))


def test_a_missing_dependency_is_a_warning_not_an_error(marketplace: Marketplace) -> None:
    manifest = marketplace.publish(
        make_manifest("first", dependencies={"second": "^1.0.0"}), owner=make_user()
    )
    assert plugin_actions.dependency_warnings(marketplace, manifest) == {
        "dependencies.second": "'second' is not published (yet): installing this plugin "
        "fails until it is."
    }
    marketplace.publish(make_manifest("second"), owner=make_user())
    assert plugin_actions.dependency_warnings(marketplace, manifest) == {}


def reserved_with_reviews(marketplace: Marketplace) -> User:
    owner = make_user()
    marketplace.publish(make_manifest("gone"), owner=owner)
    reviewed("gone")
    plugin_actions.remove_version(marketplace, "gone", "1.0.0", acting_user=owner)
    return owner


@pytest.mark.parametrize(
    ("who", "allowed"),
    [("admin", True), ("moderator", False), ("owner", False), ("other", False), ("nobody", False)],
)
def test_name_release_permission_matrix(marketplace: Marketplace, who: str, allowed: bool) -> None:
    owner = reserved_with_reviews(marketplace)
    user = {
        "admin": make_superuser(),
        "moderator": make_moderator(),
        "owner": owner,
        "other": make_user(),
        "nobody": None,
    }[who]
    if not allowed:
        with pytest.raises(Forbidden):
            release_name("gone", acting_user=user)
        assert Review.objects.filter(plugin_name="gone").count() == POPULAR_MIN_REVIEWS
        assert not NameRelease.objects.exists()
        return
    entry = release_name("gone", acting_user=user, reason="owner's request")
    assert entry.reviews_deleted == POPULAR_MIN_REVIEWS
    # The next owner starts without the old reviews.
    newcomer = make_user()
    marketplace.publish(make_manifest("gone", "1.0.1"), owner=newcomer)
    assert marketplace.reviews.for_plugin("gone") == []


def test_install_of_a_held_name_is_not_run(marketplace: Marketplace) -> None:
    marketplace.publish(make_manifest("csv-tools"), owner=make_user())
    reviewed("csv-tools")
    with pytest.raises(HeldForReview):
        marketplace.install_plugin(make_manifest("csv-tool"), owner=make_user())
    # The hold survives the install's rolled-back transaction.
    assert HeldVersion.objects.pending().count() == 1
    assert marketplace.registry.get("csv-tool") is None


def test_a_name_someone_else_owns_is_refused_before_a_plan(marketplace: Marketplace) -> None:
    marketplace.publish(make_manifest("owned"), owner=make_user())
    with pytest.raises(NotPluginOwner):
        plan_install(
            marketplace,
            InstallSource(manifest=make_manifest("owned", "2.0.0")),
            acting_user=make_user(),
        )


def test_code_too_deep_for_the_compiler_is_refused_in_words() -> None:
    from marketplace_site.actions.manifests import entry_point_error

    problem = entry_point_error("x = " + " + ".join(["1"] * 100_000))
    assert problem is not None and problem.startswith("The entry_point does not compile")


def test_what_is_not_a_manifest_is_refused(marketplace: Marketplace) -> None:
    for door in (marketplace.validate, marketplace.publish):
        with pytest.raises(InvalidManifest) as caught:
            door(42)  # type: ignore[arg-type]
        assert caught.value.errors == {"__all__": "Expected a manifest object."}
    with pytest.raises(InvalidManifest) as caught:
        marketplace.validate({"name": "x", "version": "1.0.0"})
    assert set(caught.value.errors) == {"entry_point"}


def test_a_name_near_a_popular_one_without_an_account_is_refused(marketplace: Marketplace) -> None:
    marketplace.publish(make_manifest("csv-tools"), owner=make_user())
    reviewed("csv-tools")
    with pytest.raises(NameTooSimilar) as caught:
        marketplace.publish(make_manifest("csv-tool"))  # nobody to tell of a decision
    assert caught.value.existing == "csv-tools"
    assert not HeldVersion.objects.exists()


def test_a_visitor_cannot_publish_and_a_missing_name_has_no_lookalike(
    marketplace: Marketplace,
) -> None:
    with pytest.raises(NotPluginOwner):
        plugin_actions.publish(marketplace, make_manifest("mine"), acting_user=None)
    assert plugin_actions.name_errors(3, make_user()) == {}
    assert marketplace.registry.get("mine") is None
