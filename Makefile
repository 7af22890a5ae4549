# The two commands of the README. Both are idempotent and need nothing but Debian + Python 3.11.
.PHONY: run test bench

run:  ## install, migrate, load demo data, serve at http://127.0.0.1:8000 with gunicorn
	bash .ci/serve

test:  ## install what the checks need, then lint, types, migrations, deploy check, tests (SQLite + PostgreSQL)
	bash .ci/test

bench:  ## run every benchmark in tests/benchmarks (slow; prints figures)
	bash .ci/bench
