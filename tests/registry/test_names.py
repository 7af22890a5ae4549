"""Look-alike names and reserved names in the registry (CONTRACTS.md Names)."""

import pytest
from django.contrib.auth.models import Permission, User

from marketplace_site.types import Forbidden, PluginNotFound
from registry.models import NameRelease, Plugin
from registry.names import (
    NameNotReleasable,
    can_moderate_names,
    can_release_name,
    lookalike,
    name_lookalike_of,
    name_near,
    name_release,
    within_one_edit,
)
from registry.services import RegistryService
from tests.factories import make_manifest, make_moderator, make_superuser, make_user


@pytest.mark.parametrize(
    ("name", "form"),
    [
        ("csv-tools", "csvtoois"),
        ("csvtools", "csvtoois"),
        ("CSV-T00LS", "csvtoois"),
        ("csv_tools", "csvtoois"),
        ("csv.tools", "csvtoois"),
        ("Csv-TooI5", "csvtoois"),
        ("modern", "modem"),
        ("vvidget", "widget"),
    ],
)
def test_lookalike_folds_case_separators_and_confusables(name: str, form: str) -> None:
    assert lookalike(name) == form


def test_different_names_keep_different_forms() -> None:
    assert lookalike("csv-tool") != lookalike("csv-tools")
    assert lookalike("json-tools") != lookalike("csv-tools")


@pytest.mark.parametrize(
    ("a", "b", "near"),
    [
        ("csvtoois", "csvtoois", True),
        ("csvtooi", "csvtoois", True),  # one deletion
        ("csvtoois", "csvtooisx", True),  # one insertion
        ("csvtoois", "csxtoois", True),  # one substitution
        ("csvtoois", "xsvtoois", True),
        ("csvtoois", "csvtooisxx", False),
        ("csvtoois", "xsvtooix", False),  # two substitutions
        ("ab", "ba", False),  # a transposition is two edits
        ("", "a", True),
        ("", "ab", False),
    ],
)
def test_within_one_edit(a: str, b: str, near: bool) -> None:
    assert within_one_edit(a, b) is near
    assert within_one_edit(b, a) is near


@pytest.mark.django_db
def test_removing_the_last_version_reserves_the_name_for_its_owner() -> None:
    owner = make_user()
    registry = RegistryService()
    registry.add(make_manifest("popular", "1.0.0"), owner=owner)
    assert registry.remove_version("popular", "1.0.0")
    reserved = registry.get_reserved("popular")
    assert reserved is not None and reserved.owner == owner and reserved.removed_at is not None
    assert registry.get("popular") is None
    assert registry.list_plugins() == []
    # Its owner publishing again revives it.
    registry.add(make_manifest("popular", "1.0.1"), owner=owner)
    assert registry.get_reserved("popular") is None
    plugin = registry.get_plugin("popular")
    assert plugin is not None and plugin.removed_at is None and plugin.pk == reserved.pk


@pytest.mark.django_db
def test_a_lookalike_of_another_owner_is_found_but_not_of_the_same_owner() -> None:
    owner, other = make_user(), make_user()
    RegistryService().add(make_manifest("csv-tools"), owner=owner)
    found = name_lookalike_of("CSV-T00LS", other)
    assert found is not None and found.display_name == "csv-tools"
    assert name_lookalike_of("csvtools", owner) is None  # one owner may hold both
    assert name_lookalike_of("csv-tools", other) is None  # the same name: an ownership matter
    assert name_lookalike_of("csv-tool", other) is None  # one edit away is not the same look


@pytest.mark.django_db
def test_a_reserved_name_is_still_looked_alike() -> None:
    owner = make_user()
    registry = RegistryService()
    registry.add(make_manifest("csv-tools"), owner=owner)
    registry.remove_version("csv-tools", "1.0.0")
    found = name_lookalike_of("csvtools", make_user())
    assert found is not None and found.display_name == "csv-tools"


@pytest.mark.django_db
def test_name_near_only_among_the_given_names_of_another_owner() -> None:
    owner, other = make_user(), make_user()
    RegistryService().add(make_manifest("csv-tools"), owner=owner)
    near = name_near("csv-tool", other, {"csv-tools"})
    assert near is not None and near.display_name == "csv-tools"
    assert name_near("csv-tool", other, set()) is None
    assert name_near("csv-tool", owner, {"csv-tools"}) is None
    assert name_near("csv-tools", other, {"csv-tools"}) is None  # an existing name
    assert name_near("json-tools", other, {"csv-tools"}) is None


@pytest.fixture
def reserved_name(db: None) -> str:
    registry = RegistryService()
    registry.add(make_manifest("gone", "1.0.0"), owner=make_user("gone-owner"))
    registry.remove_version("gone", "1.0.0")
    return "gone"


def staff_with(codename: str) -> User:
    user = make_user(is_staff=True)
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="registry", codename=codename)
    )
    return User.objects.get(pk=user.pk)


@pytest.mark.django_db
def test_who_may_release_a_name_and_moderate_held_names() -> None:
    # The permission matrix: administrators release names; moderators do not.
    owner = make_user()
    assert can_release_name(make_superuser())
    assert can_release_name(staff_with("release_name"))
    assert not can_release_name(make_moderator())
    assert not can_release_name(owner)
    assert not can_release_name(None)
    assert can_moderate_names(make_moderator("names-moderator"))  # the group, by 0005
    assert can_moderate_names(make_superuser("root2"))
    assert can_moderate_names(staff_with("moderate_names"))
    assert not can_moderate_names(owner)


@pytest.mark.django_db
def test_releasing_a_reserved_name_writes_an_audit_entry(reserved_name: str) -> None:
    root = make_superuser()
    entry = name_release(name=reserved_name, acting_user=root, reason="asked by its owner")
    assert NameRelease.objects.get() == entry
    assert (entry.display_name, entry.previous_owner, entry.released_by, entry.reason) == (
        "gone",
        "gone-owner",
        "root",
        "asked by its owner",
    )
    assert entry.removed_at is not None
    assert not Plugin.objects.filter(canonical_name="gone").exists()


@pytest.mark.django_db
def test_a_name_with_versions_or_no_name_cannot_be_released(reserved_name: str) -> None:
    RegistryService().add(make_manifest("alive"), owner=make_user())
    root = make_superuser()
    with pytest.raises(NameNotReleasable, match="still has published versions"):
        name_release(name="alive", acting_user=root)
    with pytest.raises(PluginNotFound):
        name_release(name="never-was", acting_user=root)
    with pytest.raises(Forbidden):
        name_release(name=reserved_name, acting_user=make_moderator())
    assert NameRelease.objects.count() == 0
