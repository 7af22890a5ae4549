from django.apps import AppConfig


class DepgraphConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "depgraph"
