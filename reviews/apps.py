from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    # The moderators group spans this app and the sandbox's runs, so the site that composes
    # them owns it: marketplace_site.web.moderators.
    default_auto_field = "django.db.models.BigAutoField"
    name = "reviews"
