"""Settings read from the environment refuse values they cannot read."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from marketplace_site.env import env_bool, env_int


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1", True), ("TRUE", True), (" yes ", True), ("on", True),
     ("0", False), ("False", False), ("no", False), ("off", False)],
)  # fmt: skip
def test_env_bool_reads_yes_and_no(
    monkeypatch: pytest.MonkeyPatch, value: str, expected: bool
) -> None:
    monkeypatch.setenv("FLAG", value)
    assert env_bool("FLAG", default=not expected) is expected


@pytest.mark.parametrize("value", [None, "", "  "])
def test_env_bool_unset_or_empty_is_the_default(
    monkeypatch: pytest.MonkeyPatch, value: str | None
) -> None:
    if value is None:
        monkeypatch.delenv("FLAG", raising=False)
    else:
        monkeypatch.setenv("FLAG", value)
    assert env_bool("FLAG", default=True) is True
    assert env_bool("FLAG", default=False) is False


@pytest.mark.parametrize("value", ["ture", "2", "enabled", "y e s"])
def test_env_bool_refuses_a_typo_instead_of_turning_the_setting_off(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("SECURE_SSL_REDIRECT", value)
    with pytest.raises(ImproperlyConfigured, match="SECURE_SSL_REDIRECT"):
        env_bool("SECURE_SSL_REDIRECT", default=True)


def test_env_int_refuses_what_is_not_a_number(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORT", "80OO")
    with pytest.raises(ImproperlyConfigured, match="PORT"):
        env_int("PORT", 8000)
    monkeypatch.setenv("PORT", "8080")
    assert env_int("PORT", 8000) == 8080
