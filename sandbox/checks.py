"""The system check that says how isolated plugin runs are on this machine."""

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Info, Warning

from sandbox import isolation


def check_isolation(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Info when every layer is on; a Warning naming what is missing otherwise."""
    from sandbox.services import SandboxService

    report = SandboxService().isolation()
    if report.level == isolation.FULL:
        return [Info(report.summary, id="sandbox.I001")]
    if report.level == isolation.PARTIAL:
        return [
            Warning(
                report.summary,
                hint="Plugin runs are confined by the layers listed, not all of them. Run on "
                "Linux with namespaces, Landlock and libseccomp (pyseccomp) for full isolation.",
                id="sandbox.W001",
            )
        ]
    if getattr(settings, "SANDBOX_ALLOW_UNISOLATED", False):
        hint = "SANDBOX_ALLOW_UNISOLATED is on: plugin code runs unconfined. Development only."
    else:
        hint = "Runs are refused. Set SANDBOX_ALLOW_UNISOLATED = True for development only."
    return [Warning(report.summary, hint=hint, id="sandbox.W002")]
