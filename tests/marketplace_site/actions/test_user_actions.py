"""The user actions check permissions themselves, whichever door calls them."""

import pytest

from marketplace_site.actions import Marketplace
from marketplace_site.actions import plugins as plugin_actions
from marketplace_site.actions import reviews as review_actions
from marketplace_site.actions.install import InstallSource, install, plan_install
from marketplace_site.types import DuplicateVersion, PluginNotFound
from registry.services import NotPluginOwner
from reviews.services import OwnPluginReview
from tests.factories import make_manifest, make_user, publish

pytestmark = pytest.mark.django_db


def test_publishing_under_someone_elses_name_is_refused(marketplace: Marketplace) -> None:
    owner, other = make_user(), make_user()
    publish("owned", owner=owner)
    with pytest.raises(NotPluginOwner) as caught:
        plugin_actions.publish(marketplace, make_manifest("Owned", "2.0.0"), acting_user=other)
    assert caught.value.http_status == 403
    assert marketplace.registry.versions("owned") == ["1.0.0"]


def test_only_the_owner_removes_a_version(marketplace: Marketplace) -> None:
    owner, other = make_user(), make_user()
    publish("owned", owner=owner)
    with pytest.raises(NotPluginOwner):
        plugin_actions.remove_version(marketplace, "owned", "1.0.0", acting_user=other)
    with pytest.raises(PluginNotFound):
        plugin_actions.remove_version(marketplace, "owned", "9.0.0", acting_user=owner)
    row = plugin_actions.remove_version(marketplace, "owned", "1.0.0", acting_user=owner)
    assert row.version == "1.0.0"
    assert marketplace.registry.versions("owned") == []


def test_plan_and_install_refuse_the_same_things(marketplace: Marketplace) -> None:
    owner, other = make_user(), make_user()
    publish("owned", owner=owner)
    theirs = InstallSource(manifest=make_manifest("owned", "2.0.0"))
    again = InstallSource(manifest=make_manifest("owned", "1.0.0"))
    for action in (plan_install, install):
        with pytest.raises(NotPluginOwner):
            action(marketplace, theirs, acting_user=other)
        with pytest.raises(DuplicateVersion):
            action(marketplace, again, acting_user=owner)
        with pytest.raises(PluginNotFound):
            action(marketplace, InstallSource(name="nope"), acting_user=owner)
    assert marketplace.registry.versions("owned") == ["1.0.0"]


def test_a_plan_says_whether_installing_publishes(marketplace: Marketplace) -> None:
    publish("lib")
    new = plan_install(
        marketplace,
        InstallSource(manifest=make_manifest("app", dependencies={"lib": "^1"})),
        acting_user=make_user(),
    )
    assert new.publishes and new.resolved == {"lib": "1.0.0"}
    published = plan_install(marketplace, InstallSource(name="lib"), acting_user=None)
    assert not published.publishes and published.manifest.name == "lib"


def test_owners_cannot_review_their_own_plugin(marketplace: Marketplace) -> None:
    owner, reader = make_user(), make_user()
    publish("owned", owner=owner)
    with pytest.raises(OwnPluginReview) as caught:
        review_actions.review_submit(marketplace, "owned", acting_user=owner, rating=5)
    assert (caught.value.http_status, caught.value.code) == (403, "own_plugin")
    review, created = review_actions.review_submit(
        marketplace, "owned", acting_user=reader, rating=4
    )
    assert created and review.rating == 4
    with pytest.raises(PluginNotFound):
        review_actions.review_submit(marketplace, "ghost", acting_user=reader, rating=4)
