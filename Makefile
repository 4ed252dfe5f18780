# Laurel: `make run` serves the app on PORT (default 8000) against an embedded moto server;
# `make test` runs the whole suite, `make test-fast` the in-memory tier. Both set up everything they need from nothing.
SHELL := /bin/bash
PY := .venv/bin/python
PORT ?= 8000
export AWS_DEFAULT_REGION ?= us-east-1

.PHONY: run test test-fast issuer keys package bench fuzz lint format validator browser replay-dead-letters

.venv/.stamp: requirements.txt requirements-dev.txt
	@python3 -m venv .venv
	@.venv/bin/pip install -q --upgrade 'pip<26.3' >&2
	@.venv/bin/pip install -q -r requirements-dev.txt >&2
	@touch $@

validator:
	bash tests/validator/setup.sh

# Debian's chromium (apt-get, when missing) and Playwright for the browser tests; never a browser download.
browser: .venv/.stamp
	bash tests/browser/setup.sh

run: .venv/.stamp
	PORT=$(PORT) $(PY) local/serve.py

# Create an issuer while `make run` runs: make issuer NAME=... URL=... EMAIL=... [DESCRIPTION=...] [PORT=<its app port>]
issuer: .venv/.stamp
	@PORT=$(PORT) $(PY) local/issuer.py create --name "$(NAME)" --url "$(URL)" --email "$(EMAIL)" \
		$(if $(DESCRIPTION),--description "$(DESCRIPTION)")

# API keys of an issuer: make keys ISSUER=<id> [ACTION=list|create|revoke] [KEY=<key id>]
keys: .venv/.stamp
	@PORT=$(PORT) $(PY) local/issuer.py keys $(or $(ACTION),list) --issuer "$(ISSUER)" $(if $(KEY),--key="$(KEY)")

# Dead letters of the mail queue: make replay-dead-letters [ACTION=list] — the `make run` stack by default;
# a deployed stage with STAGE=<stage> MAIL_QUEUE=<its queue> and the usual AWS credentials.
replay-dead-letters: .venv/.stamp
	@PORT=$(PORT) $(PY) local/deadletters.py $(or $(ACTION),replay) $(if $(filter-out local,$(or $(STAGE),local)),,--local)

tests/dcc/node_modules/.package-lock.json: tests/dcc/package-lock.json
	cd tests/dcc && npm ci --no-audit --no-fund

# The "I'm not a robot" widget's npm package, whose files chalicelib/assets/altcha* must equal (test_altcha_assets.py).
tests/web/node_modules/.package-lock.json: tests/web/package-lock.json
	cd tests/web && npm ci --no-audit --no-fund

# A real OpenID provider (npm oidc-provider) for the sign-in tests, run offline.
tests/oidc/node_modules/.package-lock.json: tests/oidc/package-lock.json
	cd tests/oidc && npm ci --no-audit --no-fund

NODE_PARTS := tests/dcc/node_modules/.package-lock.json tests/web/node_modules/.package-lock.json \
	tests/oidc/node_modules/.package-lock.json

# Both cores: one worker per core, each taking whole test files (--dist loadfile), so an e2e file's stack and
# its tests stay together.
test: .venv/.stamp validator browser $(NODE_PARTS)
	$(PY) -m ruff check .
	$(PY) -m pytest -q -n 2 --dist loadfile

# The fast tier (under a minute): pure rule tests and rule tests on the in-memory store, no moto, no stack.
# Run it while you work; run `make test` (everything, what CI calls) before you push.
test-fast: .venv/.stamp
	$(PY) -m pytest -q -m "not moto and not slow" tests/unit tests/store

lint: .venv/.stamp
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: .venv/.stamp
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

bench: .venv/.stamp
	$(PY) bench/run.py

# Fuzz the issuer API (schemathesis, >= 5,000 requests) on a fresh local stack; EXAMPLES per operation, SEED.
fuzz: .venv/.stamp
	$(PY) tests/fuzz/run.py $(if $(EXAMPLES),--examples $(EXAMPLES)) $(if $(SEED),--seed $(SEED))

# The deployable bundle: build/package/{sam.json,deployment.zip}; offline, no AWS credentials needed.
package: .venv/.stamp
	$(PY) infra/package.py
