from django.apps import AppConfig


class SandboxConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "sandbox"
    verbose_name = "Sandbox"

    def ready(self) -> None:
        from django.core import checks

        from sandbox.checks import check_isolation

        checks.register(check_isolation, "sandbox")
