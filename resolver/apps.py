from django.apps import AppConfig


class ResolverConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "resolver"
