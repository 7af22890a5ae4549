"""The site: settings, the integration layer, pages and API over the five apps.

The Celery app is imported here so that ``celery -A marketplace_site`` finds it, as Celery's
Django guide does; it reads its settings lazily, so importing it costs no connection.
"""

from marketplace_site.celery import app as celery_app

__all__ = ["celery_app"]
