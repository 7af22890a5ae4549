from django.apps import AppConfig


class MarketplaceSiteConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "marketplace_site"
    verbose_name = "Marketplace"
