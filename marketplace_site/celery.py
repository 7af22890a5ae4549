"""The Celery application: sandbox runs on worker hosts when ``SANDBOX_BACKEND=celery``.

Workers start with ``celery -A marketplace_site worker -Q sandbox`` and read the same
settings as the web processes (``CELERY_*`` names, Celery's Django layout). A worker needs
the broker, not the database: it runs plugin code and returns the ``SandboxResult``; the web
process that asked writes the run record. Without ``SANDBOX_BACKEND=celery`` nothing here is
used and runs stay in the web process.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace_site.settings")

app = Celery("marketplace_site")
app.config_from_object("django.conf:settings", namespace="CELERY")
# The worker's task and its control command; web processes send by name and never import it.
app.conf.imports = ("marketplace_site.sandbox_worker",)
