"""Load tests and page benchmarks against a real gunicorn (``run_load.py``, ``bench_pages.py``)."""
