"""gunicorn settings for serving the marketplace (``make run`` and production)."""

import os

bind = os.environ.get("BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")
# Sync workers, two per core: pages are short and CPU-bound; a plugin run blocks its worker
# for at most the sandbox timeout, so requests never wait on a slow plugin for longer.
workers = int(os.environ.get("WEB_CONCURRENCY", (os.cpu_count() or 1) * 2))
worker_class = "sync"
# Longer than the sandbox's wall-clock limit (SANDBOX_TIMEOUT_MS, 1 s by default).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 10
max_requests = 2000
max_requests_jitter = 200
accesslog = os.environ.get("ACCESS_LOG", "-")
