"""The dependency graph's sections: the plugin page's tree and "Used by", the remove page."""

import re

import pytest
from django.test import Client

from marketplace_site.marketplace import Marketplace
from tests.factories import make_manifest, make_user, publish
from tests.pages import get, section, text

pytestmark = pytest.mark.django_db


def test_the_plugin_page_shows_the_tree_with_constraints_and_resolved_versions(
    client: Client, marketplace: Marketplace
) -> None:
    publish("base", "1.0.0", marketplace=marketplace)
    publish("base", "1.4.0", marketplace=marketplace)
    publish("base", "2.0.0", marketplace=marketplace)
    publish("lib", "1.0.0", dependencies={"base": "^1.0"}, marketplace=marketplace)
    publish("app", "1.0.0", dependencies={"lib": "*", "ghost": ">=1"}, marketplace=marketplace)
    tree = section(get(client, "/plugins/app/"), "dependencies")
    assert "app 1.0.0 ghost >=1 not published lib * → 1.0.0 base ^1.0 → 1.4.0" in text(tree)
    assert '<a href="/plugins/base/">base</a>' in tree
    assert "<details open><summary>" in tree
    assert "3 plugins in all · 1 missing" in text(tree)


def test_the_tree_is_of_the_version_shown(client: Client, marketplace: Marketplace) -> None:
    publish("old-dep", marketplace=marketplace)
    publish("new-dep", marketplace=marketplace)
    publish("app", "1.0.0", dependencies={"old-dep": "*"}, marketplace=marketplace)
    publish("app", "2.0.0", dependencies={"new-dep": "*"}, marketplace=marketplace)
    assert "new-dep" in section(get(client, "/plugins/app/"), "dependencies")
    older = section(get(client, "/plugins/app/?version=1.0.0"), "dependencies")
    assert "old-dep" in older
    assert "new-dep" not in older


def test_a_version_no_longer_published_is_marked(client: Client, marketplace: Marketplace) -> None:
    publish("lib", "1.0.0", marketplace=marketplace)
    publish("app", "1.0.0", dependencies={"lib": ">=2"}, marketplace=marketplace)
    assert "lib >=2 no matching version" in text(
        section(get(client, "/plugins/app/"), "dependencies")
    )


def test_a_cycle_is_cut_and_marked(client: Client, marketplace: Marketplace) -> None:
    publish("a", "1.0.0", dependencies={"b": "*"}, marketplace=marketplace)
    publish("b", "1.0.0", dependencies={"c": "*"}, marketplace=marketplace)
    publish("c", "1.0.0", dependencies={"a": "*"}, marketplace=marketplace)
    tree = text(section(get(client, "/plugins/a/"), "dependencies"))
    assert "b * → 1.0.0 c * → 1.0.0 a * → 1.0.0 cycle" in tree
    assert "2 plugins in all · circular dependencies" in tree


def test_a_shared_dependency_is_expanded_once(client: Client, marketplace: Marketplace) -> None:
    publish("core", marketplace=marketplace)
    publish("base", dependencies={"core": "*"}, marketplace=marketplace)
    publish("left", dependencies={"base": "*"}, marketplace=marketplace)
    publish("right", dependencies={"base": "*"}, marketplace=marketplace)
    publish("app", dependencies={"left": "*", "right": "*"}, marketplace=marketplace)
    tree = section(get(client, "/plugins/app/"), "dependencies")
    assert text(tree).count("core") == 1
    first = re.search(r'<li id="(dep-\d+)"><details open><summary><a href="/plugins/base/">', tree)
    assert first
    assert f'href="#{first.group(1)}"' in tree
    assert "shown above" in text(tree)


def test_a_chain_200_deep_renders(client: Client, marketplace: Marketplace) -> None:
    publish("p200", marketplace=marketplace)
    for number in range(199, -1, -1):
        publish(f"p{number}", dependencies={f"p{number + 1}": "*"}, marketplace=marketplace)
    tree = section(get(client, "/plugins/p0/"), "dependencies")
    assert "200 plugins in all" in text(tree)
    assert tree.count("<details") == 200
    assert tree.count("<ul") == tree.count("</ul>")


def test_a_plugin_without_dependencies_says_so(client: Client, marketplace: Marketplace) -> None:
    publish("solo", marketplace=marketplace)
    tree = text(section(get(client, "/plugins/solo/"), "dependencies"))
    assert "solo 1.0.0 depends on no other plugin." in tree


def test_used_by_lists_dependents_with_their_version_and_constraint(
    client: Client, marketplace: Marketplace
) -> None:
    publish("lib", "1.0.0", marketplace=marketplace)
    publish("Web_App", "1.0.0", dependencies={"LIB": "^1"}, marketplace=marketplace)
    publish("Web_App", "1.1.0", dependencies={"LIB": "^1.0"}, marketplace=marketplace)
    publish("cli", "0.1", dependencies={"lib": "*"}, marketplace=marketplace)
    used_by = section(get(client, "/plugins/lib/"), "used-by")
    assert text(used_by) == (
        "Used by 2 Plugin Its version Requires cli 0.1 * Web_App 1.1.0 and 1 older ^1.0"
    )
    assert '<a href="/plugins/Web_App/">Web_App</a>' in used_by
    assert "No published plugin depends on cli." in text(get(client, "/plugins/cli/"))


def test_used_by_is_paged(client: Client, marketplace: Marketplace) -> None:
    publish("core", marketplace=marketplace)
    for number in range(25):
        publish(f"user{number:02d}", dependencies={"core": "*"}, marketplace=marketplace)
    first = section(get(client, "/plugins/core/?version=1.0.0"), "used-by")
    assert "user00" in first
    assert "user19" in first
    assert "user20" not in first
    assert "Page 1 of 2" in text(first)
    assert 'href="?version=1.0.0&amp;upage=2#used-by"' in first
    second = section(get(client, "/plugins/core/?version=1.0.0&upage=2"), "used-by")
    assert re.findall(r">(user\d+)</a>", second) == [f"user{n}" for n in range(20, 25)]
    assert 'href="?version=1.0.0&amp;upage=1#used-by"' in second
    assert "Page 1 of 2" in text(section(get(client, "/plugins/core/?upage=zero"), "used-by"))
    assert "Page 2 of 2" in text(section(get(client, "/plugins/core/?upage=99"), "used-by"))


def test_used_by_follows_publish_and_remove(client: Client, marketplace: Marketplace) -> None:
    publish("lib", marketplace=marketplace)
    publish("app", "1.0.0", dependencies={"lib": "*"}, marketplace=marketplace)
    assert "app" in section(get(client, "/plugins/lib/"), "used-by")
    publish("app", "2.0.0", marketplace=marketplace)
    assert "1.0.0" in text(section(get(client, "/plugins/lib/"), "used-by"))
    marketplace.remove_version("app", "1.0")
    assert "No published plugin depends on lib." in text(get(client, "/plugins/lib/"))


def test_removing_a_depended_on_version_lists_who_depends_on_it(
    client: Client, marketplace: Marketplace
) -> None:
    owner = make_user("owner")
    marketplace.publish(make_manifest("lib", "1.0.0"), owner=owner)
    marketplace.publish(make_manifest("lib", "1.5.0"), owner=owner)
    publish("exact", "1.0.0", dependencies={"lib": "==1.0.0"}, marketplace=marketplace)
    publish("ranged", "2.0.0", dependencies={"lib": "^1.0"}, marketplace=marketplace)
    publish("newer", "1.0.0", dependencies={"lib": ">=1.5"}, marketplace=marketplace)
    client.force_login(owner)
    page = section(get(client, "/plugins/lib/versions/1.0.0/remove/"), "dependents")
    assert text(page) == text(
        "Plugins that depend on 1.0.0 "
        "2 plugins depend on a version range that 1.0.0 satisfies. "
        "For 1 of them no other version is left, so they will no longer install. "
        "Plugin Its versions Requires After removal "
        "exact 1.0.0 ==1.0.0 nothing satisfies it "
        "ranged 2.0.0 ^1.0 uses 1.5.0"
    )


def test_removing_a_version_nobody_uses_lists_nothing(
    client: Client, marketplace: Marketplace
) -> None:
    owner = make_user("owner")
    marketplace.publish(make_manifest("lib", "1.0.0"), owner=owner)
    marketplace.publish(make_manifest("lib", "2.0.0"), owner=owner)
    publish("app", "1.0.0", dependencies={"lib": ">=2"}, marketplace=marketplace)
    client.force_login(owner)
    html = get(client, "/plugins/lib/versions/1.0.0/remove/")
    assert 'id="dependents"' not in html
    assert "Remove lib 1.0.0?" in html
