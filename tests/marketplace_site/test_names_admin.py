"""Names in the admin: releasing a reserved name (administrators only, with an audit entry)
and the moderators' queue of held publishes."""

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client
from django.urls import reverse

from marketplace_site.actions import Marketplace
from marketplace_site.actions import plugins as plugin_actions
from marketplace_site.actions.names import POPULAR_MIN_REVIEWS
from registry.models import HeldVersion, NameRelease, Plugin
from registry.names import HeldForReview
from reviews.models import Review
from tests.factories import make_manifest, make_moderator, make_review, make_superuser, make_user

pytestmark = pytest.mark.django_db

RELEASE_ADD = "admin:registry_namerelease_add"
HELD_LIST = "admin:registry_heldversion_changelist"


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def staff_with(codename: str) -> User:
    user = make_user(is_staff=True)
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="registry", codename=codename)
    )
    return User.objects.get(pk=user.pk)


@pytest.fixture
def reserved(marketplace: Marketplace) -> User:
    owner = make_user("gone-owner", is_staff=True)
    marketplace.publish(make_manifest("gone"), owner=owner)
    for _ in range(2):
        make_review("gone", make_user(), rating=5)
    plugin_actions.remove_version(marketplace, "gone", "1.0.0", acting_user=owner)
    return owner


@pytest.mark.parametrize(
    ("who", "status"),
    [("admin", 302), ("release-permission", 302), ("moderator", 403), ("owner", 403)],
)
def test_release_permission_matrix_in_the_admin(reserved: User, who: str, status: int) -> None:
    user = {
        "admin": make_superuser(),
        "release-permission": staff_with("release_name"),
        "moderator": make_moderator(),
        "owner": reserved,
    }[who]
    response = client_for(user).post(reverse(RELEASE_ADD), {"name": "gone", "reason": "asked"})
    assert response.status_code == status
    released = NameRelease.objects.filter(canonical_name="gone").first()
    if status == 302:
        assert released is not None and released.released_by == user.username
        assert released.previous_owner == "gone-owner" and released.reviews_deleted == 2
        assert not Plugin.objects.filter(canonical_name="gone").exists()
        assert not Review.objects.filter(plugin_name="gone").exists()
    else:
        assert released is None
        assert Plugin.objects.reserved().filter(canonical_name="gone").exists()
        assert Review.objects.filter(plugin_name="gone").count() == 2


def test_a_visitor_is_sent_to_the_admin_login(reserved: User) -> None:
    response = Client().post(reverse(RELEASE_ADD), {"name": "gone"})
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert not NameRelease.objects.exists()


def test_the_admin_refuses_a_name_that_still_has_versions(marketplace: Marketplace) -> None:
    marketplace.publish(make_manifest("alive"), owner=make_user())
    response = client_for(make_superuser()).post(reverse(RELEASE_ADD), {"name": "alive"})
    assert response.status_code == 200
    assert "still has published versions" in response.content.decode()
    assert not NameRelease.objects.exists()


@pytest.fixture
def held(marketplace: Marketplace) -> HeldVersion:
    marketplace.publish(make_manifest("csv-tools"), owner=make_user())
    for _ in range(POPULAR_MIN_REVIEWS):
        make_review("csv-tools", make_user(), rating=5)
    with pytest.raises(HeldForReview):
        marketplace.publish(make_manifest("csv-tool"), owner=make_user("author"))
    return HeldVersion.objects.get()


def test_a_moderator_approves_in_the_admin(marketplace: Marketplace, held: HeldVersion) -> None:
    moderator = staff_with("moderate_names")
    moderator.user_permissions.add(
        Permission.objects.get(content_type__app_label="registry", codename="view_heldversion")
    )
    client = client_for(User.objects.get(pk=moderator.pk))
    listing = client.get(reverse(HELD_LIST))
    assert listing.status_code == 200 and "csv-tool 1.0.0" in listing.content.decode()
    response = client.post(
        reverse(HELD_LIST), {"action": "approve", "_selected_action": [held.pk]}, follow=True
    )
    assert "Approved and published 1 held version(s)." in response.content.decode()
    plugin = marketplace.registry.get_plugin("csv-tool")
    assert plugin is not None and plugin.owner is not None
    assert plugin.owner.username == "author"


def test_a_moderator_rejects_in_the_admin(marketplace: Marketplace, held: HeldVersion) -> None:
    response = client_for(make_superuser()).post(
        reverse(HELD_LIST), {"action": "reject", "_selected_action": [held.pk]}, follow=True
    )
    assert "Rejected 1 held version(s)." in response.content.decode()
    held.refresh_from_db()
    assert held.decision == HeldVersion.Decision.REJECTED
    assert marketplace.registry.get("csv-tool") is None


def test_a_rejection_gives_the_author_its_reason(held: HeldVersion) -> None:
    moderator = client_for(make_superuser())
    listing = moderator.get(reverse(HELD_LIST)).content.decode()
    assert 'name="reason"' in listing and "Reason (for Reject)" in listing
    reason = "Too close to csv-tools: pick a <distinct> name."
    moderator.post(
        reverse(HELD_LIST),
        {"action": "reject", "_selected_action": [held.pk], "reason": f"  {reason}  "},
    )
    held.refresh_from_db()
    assert (held.decision, held.reason) == (HeldVersion.Decision.REJECTED, reason)
    account = client_for(held.owner).get(reverse("account")).content.decode()
    assert "Rejected: Too close to csv-tools: pick a &lt;distinct&gt; name." in account


def test_an_approval_records_no_reason(held: HeldVersion) -> None:
    client_for(make_superuser()).post(
        reverse(HELD_LIST),
        {"action": "approve", "_selected_action": [held.pk], "reason": "typed for a reject"},
    )
    held.refresh_from_db()
    assert (held.decision, held.reason) == (HeldVersion.Decision.APPROVED, "")


def test_staff_without_the_permission_has_no_approve_action(held: HeldVersion) -> None:
    staff = staff_with("view_heldversion")
    response = client_for(staff).post(
        reverse(HELD_LIST), {"action": "approve", "_selected_action": [held.pk]}
    )
    held.refresh_from_db()
    assert held.decision == HeldVersion.Decision.PENDING
    assert response.status_code in {200, 302}
