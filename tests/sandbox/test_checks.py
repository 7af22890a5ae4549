"""The system check reports the isolation level."""

from typing import Any, cast

import pytest
from django.core import checks

from sandbox import isolation
from sandbox.checks import check_isolation
from sandbox.isolation import IsolationReport
from sandbox.services import SandboxService


def test_registered_and_full_on_this_machine() -> None:
    # Every check message here has an id (Django's and ours).
    messages = [
        m for m in checks.run_checks(tags=["sandbox"]) if cast(str, m.id).startswith("sandbox.")
    ]
    assert [m.id for m in messages] == ["sandbox.I001"]
    assert messages[0].level == checks.INFO
    assert "Sandbox isolation: full" in messages[0].msg
    assert "landlock" in messages[0].msg


@pytest.mark.parametrize(
    ("level", "allowed", "expected_id", "hint"),
    [
        (isolation.PARTIAL, False, "sandbox.W001", "not all of them"),
        (isolation.NONE, False, "sandbox.W002", "Runs are refused"),
        (isolation.NONE, True, "sandbox.W002", "runs unconfined"),
    ],
)
def test_less_isolation_is_a_warning(
    monkeypatch: pytest.MonkeyPatch,
    settings: Any,
    level: str,
    allowed: bool,
    expected_id: str,
    hint: str,
) -> None:
    settings.SANDBOX_ALLOW_UNISOLATED = allowed
    report = IsolationReport(level=level, layers=("rlimits",), missing=("seccomp",))
    monkeypatch.setattr(SandboxService, "isolation", lambda self: report)
    [message] = check_isolation()
    assert message.id == expected_id
    assert message.level == checks.WARNING
    assert "Missing: seccomp" in message.msg
    assert hint in (message.hint or "")


def test_report_levels_from_layers() -> None:
    all_on = dict.fromkeys(isolation.DESCRIPTIONS, True) | {"landlock": 7}
    assert isolation.report_from_layers(all_on, {}).level == isolation.FULL
    assert isolation.report_from_layers(all_on, {}).landlock_abi == 7
    without_seccomp = {**all_on, "seccomp": False}
    report = isolation.report_from_layers(without_seccomp, {"seccomp": "no libseccomp"})
    assert report.level == isolation.PARTIAL
    assert report.missing == ("seccomp (no libseccomp)",)
    only_limits = {"rlimits": True, "no_new_privs": True}
    assert isolation.report_from_layers(only_limits, {}).level == isolation.NONE
    unprivileged_by_user_ns = {**all_on, "uid": False, "user": True}
    assert isolation.report_from_layers(unprivileged_by_user_ns, {}).level == isolation.FULL
    assert isolation.unavailable("no Linux").summary == (
        "Sandbox isolation: none (no layers). Missing: no Linux."
    )
