"""Installations pinned by a lock: install, run_installed, upgrade, uninstall, and who may."""

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser, User

from marketplace_site.actions import installations as actions
from marketplace_site.marketplace import Marketplace, create_marketplace
from marketplace_site.models import InstalledPlugin, PinnedVersion
from marketplace_site.types import (
    Forbidden,
    Installation,
    InstallationNotFound,
    LockMismatch,
    PluginNotFound,
    ResolutionError,
)
from sandbox.models import SandboxRun
from tests.factories import make_user, publish

pytestmark = pytest.mark.django_db

FORMAT_1 = "def money(x):\n    return f'${x:.2f}'\n"
FORMAT_2 = "def money(x):\n    return f'USD {x:,.2f}'\n"
APP = "import currency_format\ncurrency_format.money(amount)"


@pytest.fixture
def market() -> Marketplace:
    market = create_marketplace()
    publish("currency-format", "1.0.0", marketplace=market, entry_point=FORMAT_1)
    publish(
        "price-tag", "1.0.0", marketplace=market, entry_point=APP,
        dependencies={"currency-format": ">=1"},
    )  # fmt: skip
    return market


@pytest.fixture
def ada() -> User:
    return make_user("ada")


@pytest.fixture
def bob() -> User:
    return make_user("bob")


def test_install_pins_every_plugin_with_the_hash_of_its_code(
    market: Marketplace, ada: User
) -> None:
    installation = market.install("price-tag", user=ada)
    assert isinstance(installation, Installation)
    assert (installation.user, installation.plugin_name, installation.version) == (
        "ada",
        "price-tag",
        "1.0.0",
    )
    assert dict(installation.lock) == {"currency-format": "1.0.0"}
    assert installation.hashes["currency-format"] == actions.code_sha256(FORMAT_1)
    assert installation.hashes["price-tag"] == actions.code_sha256(APP)
    assert market.installations(ada) == [installation]
    assert market.installations(make_user("carol")) == []


def test_run_installed_runs_the_pinned_closure(market: Marketplace, ada: User) -> None:
    installation = market.install("price-tag", user=ada)
    result = market.run_installed(installation.id, {"amount": 1234.5}, user=ada)
    assert result.error is None
    assert result.output == "$1234.50"
    # Counted as a run of the installation, not as an install or trial run.
    row = InstalledPlugin.objects.get()
    assert row.run_count == 1 and row.last_run_at is not None
    assert not SandboxRun.objects.exists()
    assert actions.runs_of_installations() == 1


def test_a_lock_holds_when_versions_are_published_and_removed(
    market: Marketplace, ada: User
) -> None:
    installation = market.install("price-tag", user=ada)
    publish("currency-format", "2.0.0", marketplace=market, entry_point=FORMAT_2)
    assert market.run_installed(installation.id, {"amount": 5}, user=ada).output == "$5.00"
    assert market.remove_version("currency-format", "1.0.0")
    assert market.remove_version("price-tag", "1.0.0")
    assert market.run_installed(installation.id, {"amount": 5}, user=ada).output == "$5.00"
    rows = {row.name: row for row in actions.outdated(market, installation.id, user=ada)}
    assert rows["currency-format"].published is False
    assert rows["price-tag"].published is False


def test_code_whose_hash_no_longer_matches_is_not_run(market: Marketplace, ada: User) -> None:
    installation = market.install("price-tag", user=ada)
    PinnedVersion.objects.filter(plugin_name="currency-format").update(
        code="def money(x):\n    return 'stolen'\n"
    )
    with pytest.raises(LockMismatch, match=r"currency-format 1\.0\.0 no longer matches its lock"):
        market.run_installed(installation.id, {"amount": 5}, user=ada)
    assert InstalledPlugin.objects.get().run_count == 0


def test_outdated_and_upgrade_show_then_apply_the_version_changes(
    market: Marketplace, ada: User
) -> None:
    publish(
        "price-tag", "1.1.0", marketplace=market, entry_point=APP,
        dependencies={"currency-format": "<2"},
    )  # fmt: skip
    installation = market.install("price-tag", "1.0.0", user=ada)
    publish("currency-format", "2.0.0", marketplace=market, entry_point=FORMAT_2)
    publish("currency-format", "1.5.0", marketplace=market, entry_point=FORMAT_2)
    rows = {row.name: row for row in actions.outdated(market, installation.id, user=ada)}
    assert (rows["price-tag"].pinned, rows["price-tag"].newest_fitting) == ("1.0.0", "1.1.0")
    assert (rows["currency-format"].newest_fitting, rows["currency-format"].newest) == (
        "1.5.0",
        "2.0.0",
    )
    plan = actions.plan_upgrade(market, installation.id, user=ada)
    assert [(c.name, c.old, c.new) for c in plan.changes] == [
        ("currency-format", "1.0.0", "1.5.0"),
        ("price-tag", "1.0.0", "1.1.0"),
    ]
    # The plan stored nothing.
    assert market.run_installed(installation.id, {"amount": 1}, user=ada).output == "$1.00"
    upgraded = market.upgrade(installation.id, user=ada)
    assert upgraded.id == installation.id
    assert (upgraded.version, dict(upgraded.lock)) == ("1.1.0", {"currency-format": "1.5.0"})
    assert market.run_installed(installation.id, {"amount": 1000}, user=ada).output == (
        "USD 1,000.00"
    )


def test_installing_again_repins_the_one_installation(market: Marketplace, ada: User) -> None:
    first = market.install("price-tag", user=ada)
    publish("currency-format", "1.2.0", marketplace=market, entry_point=FORMAT_2)
    again = market.install("price-tag", user=ada)
    assert again.id == first.id
    assert dict(again.lock) == {"currency-format": "1.2.0"}
    assert InstalledPlugin.objects.count() == 1


def test_an_install_without_a_resolution_stores_nothing(market: Marketplace, ada: User) -> None:
    publish("stuck", "1.0.0", marketplace=market, dependencies={"currency-format": ">=9"})
    with pytest.raises(ResolutionError):
        market.install("stuck", user=ada)
    with pytest.raises(PluginNotFound):
        market.install("nothing-here", user=ada)
    assert not InstalledPlugin.objects.exists()


def test_uninstall_removes_the_installation_and_its_lock(market: Marketplace, ada: User) -> None:
    installation = market.install("price-tag", user=ada)
    assert market.uninstall(installation.id, user=ada) is True
    assert not PinnedVersion.objects.exists()
    with pytest.raises(InstallationNotFound):
        market.run_installed(installation.id, user=ada)


OPERATIONS: dict[str, Callable[[Marketplace, int, Any], object]] = {
    "run": lambda m, i, u: m.run_installed(i, {"amount": 1}, user=u),
    "upgrade": lambda m, i, u: m.upgrade(i, user=u),
    "uninstall": lambda m, i, u: m.uninstall(i, user=u),
    "plan_upgrade": lambda m, i, u: actions.plan_upgrade(m, i, user=u),
    "outdated": lambda m, i, u: actions.outdated(m, i, user=u),
    "get": lambda m, i, u: actions.to_value(actions.owned(i, u)),
}


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
@pytest.mark.parametrize("who", ["owner", "other user", "visitor", "staff"])
def test_permission_matrix(
    market: Marketplace, ada: User, bob: User, operation: str, who: str
) -> None:
    """Nobody but the owner of an installation can see, run, upgrade or uninstall it."""
    installation = market.install("price-tag", user=ada)
    acting: Any = {
        "owner": ada,
        "other user": bob,
        "visitor": AnonymousUser(),
        "staff": make_user("admin", is_staff=True, is_superuser=True),
    }[who]
    call = OPERATIONS[operation]
    if who == "owner":
        call(market, installation.id, acting)
        return
    expected = Forbidden if who == "visitor" else InstallationNotFound
    with pytest.raises(expected):
        call(market, installation.id, acting)
    assert InstalledPlugin.objects.get().run_count == 0
    assert market.installations(ada)[0].version == "1.0.0"


def test_a_visitor_cannot_install(market: Marketplace) -> None:
    with pytest.raises(Forbidden):
        market.install("price-tag", user=AnonymousUser())
    with pytest.raises(Forbidden):
        market.installations(AnonymousUser())
