"""Yank through the integration layer: who may, what resolution skips, what installs keep."""

import pytest
from django.contrib.auth.models import AnonymousUser, User

from marketplace_site.actions import installations as installation_actions
from marketplace_site.actions import plugins as plugin_actions
from marketplace_site.actions.install import InstallSource, install, plan_install, yanked_in
from marketplace_site.marketplace import Marketplace, create_marketplace
from marketplace_site.types import Forbidden, PluginNotFound, ResolutionError
from tests.factories import make_moderator, make_superuser, make_user, publish

pytestmark = pytest.mark.django_db

FORMAT_1 = "def money(x):\n    return f'${x:.2f}'\n"
FORMAT_2 = "def money(x):\n    return f'USD {x:,.2f}'\n"
APP = "import currency_format\ncurrency_format.money(amount)"


@pytest.fixture
def author() -> User:
    return make_user("author")


@pytest.fixture
def market(author: User) -> Marketplace:
    market = create_marketplace()
    publish("currency-format", "1.0.0", author, marketplace=market, entry_point=FORMAT_1)
    publish("currency-format", "1.1.0", author, marketplace=market, entry_point=FORMAT_2)
    return market


def app(market: Marketplace, version: str, constraint: str) -> None:
    publish(
        "price-tag", version, marketplace=market, entry_point=APP,
        dependencies={"currency-format": constraint},
    )  # fmt: skip


def test_the_contract_methods_on_the_marketplace(market: Marketplace) -> None:
    assert market.yank("currency-format", "1.1.0", reason="Wrong symbol")
    latest = market.registry.get("currency-format")
    assert latest is not None and latest.version == "1.0.0"
    assert market.registry.versions("currency-format") == ["1.0.0", "1.1.0"]
    assert market.unyank("currency-format", "1.1.0")
    latest = market.registry.get("currency-format")
    assert latest is not None and latest.version == "1.1.0"
    assert not market.yank("currency-format", "3.0.0")


@pytest.mark.parametrize(
    ("constraint", "chosen"),
    [
        (">=1", "1.0.0"),
        ("^1.0.0", "1.0.0"),
        ("~=1.0", "1.0.0"),
        ("*", "1.0.0"),
        ("==1.1.0", "1.1.0"),  # PEP 440 pin
        ("==1.1", "1.1.0"),  # the same version written shorter
        ("===1.1.0", "1.1.0"),
        ("1.1.0", "1.1.0"),  # npm exact range
        ("=1.1.0", "1.1.0"),
        ("v1.1.0", "1.1.0"),
    ],
)
def test_resolution_skips_a_yanked_version_unless_pinned_exactly(
    market: Marketplace, constraint: str, chosen: str
) -> None:
    market.yank("currency-format", "1.1.0")
    app(market, "1.0.0", constraint)
    plan = market.plan({"name": "price-tag", "version": "1.0.0", "entry_point": APP,
                        "dependencies": {"currency-format": constraint}})  # fmt: skip
    assert plan.resolved == {"currency-format": chosen}


@pytest.mark.parametrize("constraint", [">=1.1", "^1.1.0", "~1.1.0", "1.1.x", "==1.1.*"])
def test_only_a_yanked_version_fits_a_range_so_nothing_resolves(
    market: Marketplace, constraint: str
) -> None:
    market.yank("currency-format", "1.1.0")
    app(market, "1.0.0", constraint)
    with pytest.raises(ResolutionError):
        market.install("price-tag", user=make_user())


def test_a_plan_and_an_install_of_a_pinned_yanked_version_warn(
    market: Marketplace, author: User
) -> None:
    market.yank("currency-format", "1.1.0", reason="Wrong symbol")
    app(market, "1.0.0", "==1.1.0")
    source = InstallSource(name="price-tag")
    plan = plan_install(market, source, acting_user=author)
    assert [(y.name, y.version, y.reason) for y in plan.yanked] == [
        ("currency-format", "1.1.0", "Wrong symbol")
    ]
    result = install(market, source, acting_user=author, context={"amount": 2})
    assert result.sandbox.output == "USD 2.00"
    assert [y.version for y in yanked_in(market, result)] == ["1.1.0"]
    # The root itself, asked for by its exact version.
    direct = plan_install(
        market, InstallSource(name="currency-format", version="1.1.0"), acting_user=None
    )
    assert [(y.name, y.version) for y in direct.yanked] == [("currency-format", "1.1.0")]
    # Nothing yanked chosen: no warning.
    assert (
        plan_install(market, InstallSource(name="currency-format"), acting_user=None).yanked == ()
    )


def test_installations_keep_running_what_they_pinned(market: Marketplace, author: User) -> None:
    user = make_user()
    app(market, "1.0.0", ">=1")
    installation = market.install("price-tag", user=user)
    assert installation.lock == {"currency-format": "1.1.0"}
    market.yank("currency-format", "1.1.0", reason="Wrong symbol")
    result = market.run_installed(installation.id, {"amount": 3}, user=user)
    assert result.success and result.output == "USD 3.00"

    rows = {
        row.name: row for row in installation_actions.outdated(market, installation.id, user=user)
    }
    pinned = rows["currency-format"]
    assert pinned.published and pinned.yanked and pinned.yanked_reason == "Wrong symbol"
    assert pinned.newest == "1.0.0" and pinned.newest_fitting == "1.0.0"
    assert not rows["price-tag"].yanked
    # Upgrading moves off the yanked version ("newest that fits" skips it).
    upgraded = market.upgrade(installation.id, user=user)
    assert upgraded.lock == {"currency-format": "1.0.0"}


def test_install_without_a_version_skips_a_yanked_latest(market: Marketplace) -> None:
    market.yank("currency-format", "1.1.0")
    installation = market.install("currency-format", user=make_user())
    assert installation.version == "1.0.0"
    pinned = market.install("currency-format", "1.1.0", user=make_user())
    assert pinned.version == "1.1.0"
    market.yank("currency-format", "1.0.0")
    with pytest.raises(PluginNotFound):
        market.install("currency-format", user=make_user())


def test_permission_matrix(market: Marketplace, author: User) -> None:
    """Owner: yes. Another user, a visitor, a moderator and a superuser: no (a yank speaks
    for the author; staff who must stop a version remove it)."""
    refused = [make_user("other"), AnonymousUser(), None, make_moderator(), make_superuser()]
    for user in refused:
        with pytest.raises(Forbidden):
            plugin_actions.yank(market, "currency-format", "1.1.0", acting_user=user)
        with pytest.raises(Forbidden):
            plugin_actions.unyank(market, "currency-format", "1.1.0", acting_user=user)
    assert market.registry.yanked_among({"currency-format": "1.1.0"}) == []
    row = plugin_actions.yank(
        market, "Currency_Format", "1.1", reason="Wrong symbol", acting_user=author
    )
    assert row.yanked and row.yanked_reason == "Wrong symbol"
    row = plugin_actions.unyank(market, "currency-format", "1.1.0", acting_user=author)
    assert not row.yanked
    with pytest.raises(PluginNotFound):
        plugin_actions.yank(market, "currency-format", "9.0.0", acting_user=author)


def test_a_reason_too_long_is_a_400(market: Marketplace, author: User) -> None:
    with pytest.raises(plugin_actions.InvalidYankReason) as caught:
        plugin_actions.yank(
            market, "currency-format", "1.1.0", reason="x" * 501, acting_user=author
        )
    assert caught.value.http_status == 400
    assert market.registry.yanked_among({"currency-format": "1.1.0"}) == []


@pytest.mark.parametrize(("constraint", "shown"), [(">=1", "1.0.0"), ("==1.1.0", "1.1.0")])
def test_the_dependency_tree_shows_what_resolution_would_choose(
    market: Marketplace, constraint: str, shown: str
) -> None:
    market.yank("currency-format", "1.1.0")
    app(market, "1.0.0", constraint)
    tree = market.depgraph.build_tree("price-tag", "1.0.0")
    assert [(child.name, child.version) for child in tree.children] == [("currency-format", shown)]
