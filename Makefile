# Two commands for a new user: `make run` serves the demo marketplace, `make test` runs every test.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
PORT ?= 5000
# The app refuses to start without SECRET_KEY; the embedded path keeps a random one here, made once.
SECRET_FILE := instance/secret_key
FLASK := SECRET_KEY="$${SECRET_KEY:-$$(cat $(SECRET_FILE))}" $(VENV)/bin/flask --app app

# One thread per process for the numeric libraries (the matcher's SVD, scikit-learn, FAISS). Their default, one
# thread per core, spins waiting threads that fight the other processes here (web workers, test workers, the
# index worker): on a busy 2-core machine the demo's LSA fit (a 292 x 8,254 randomized SVD) took 16.9 s with two
# BLAS threads and 0.98 s with one. Set them higher for a one-off job on an idle machine.
export OPENBLAS_NUM_THREADS ?= 1
export OMP_NUM_THREADS ?= 1
export MKL_NUM_THREADS ?= 1

.PHONY: run test install translations db demo index browser services-up services-down lint lock screenshots load

# Every version comes from the lock (the app's dependencies and the test extra); the project itself without
# dependencies, so nothing unlocked slips in.
LOCK := requirements.lock
$(STAMP): pyproject.toml $(LOCK)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -r $(LOCK)
	$(VENV)/bin/pip install -q --no-deps -e .
	touch $(STAMP)

# `make lock` after changing a dependency in pyproject.toml. No hashes: torch installs from a CPU build on the
# machine's disk, whose hash is not the registry's. That build is locked as its public version (which it
# satisfies, so pip still picks it), and the CUDA packages (nvidia-*, triton) that the registry's torch asks
# for are dropped, should the resolver ever read that one: the CPU build needs none of them.
lock: $(STAMP)
	$(VENV)/bin/pip-compile --quiet --extra test --strip-extras --allow-unsafe --no-emit-index-url \
		--no-emit-find-links --no-emit-trusted-host --output-file $(LOCK) pyproject.toml
	awk '/^(nvidia-|triton==)/ { skip = 1; next } /^[^ #]/ { skip = 0 } skip { next } \
		/^ *#( via)? +(nvidia-|triton)/ { next } { sub(/^torch==[0-9.]+\+cpu$$/, substr($$0, 1, index($$0, "+") - 1)) } 1' \
		$(LOCK) > $(LOCK).tmp
	mv $(LOCK).tmp $(LOCK)

# The Chinese font of the PDF exports (Noto Sans SC, SIL OFL), 8 MB, so fetched from the npm registry rather
# than kept in the repository; the app finds it through PDF_FONT_PATH, whose default is this file.
FONT_PKG := @embedpdf/fonts-sc@1.0.0
FONT := .cache/fonts/NotoSansHans-Regular.otf
$(FONT):
	mkdir -p .cache/fonts/pack
	cd .cache/fonts/pack && npm pack --silent $(FONT_PKG) >/dev/null && tar -xzf embedpdf-fonts-sc-1.0.0.tgz \
		package/fonts/NotoSansHans-Regular.otf package/LICENSE
	mv .cache/fonts/pack/package/fonts/NotoSansHans-Regular.otf $(FONT)
	mv .cache/fonts/pack/package/LICENSE .cache/fonts/LICENSE-NotoSansHans
	rm -rf .cache/fonts/pack

# The multilingual embeddings service (matching.e5) runs in its own environment: its engine is built for CPython
# 3.12 only. Python 3.12 as PYTHON312, else the newest 3.12 pyenv has (where a bare python3.12 is only a shim that
# refuses to run outside a pyenv version); without one, the app runs without the e5 channel.
PYTHON312 ?= $(shell python3.12 -c 'pass' >/dev/null 2>&1 && echo python3.12 || \
	(v=$$(pyenv versions --bare 2>/dev/null | grep '^3\.12' | sort -V | tail -n 1); [ -n "$$v" ] && echo "PYENV_VERSION=$$v python3.12"))
E5_VENV := .venv-e5
E5_STAMP := $(E5_VENV)/.installed-stamp
E5_PORT ?= 8765
E5_ENV := .ci/.e5.env
$(E5_STAMP): requirements-e5.txt
	@if [ -z "$(PYTHON312)" ]; then echo "make: no Python 3.12 found: the e5 embeddings service is not installed" >&2; \
	else test -x $(E5_VENV)/bin/python || $(PYTHON312) -m venv $(E5_VENV); \
	$(E5_VENV)/bin/pip install -q -r requirements-e5.txt && touch $(E5_STAMP); fi

install: $(STAMP) $(FONT) $(E5_STAMP)

# axe-core (Deque, MPL-2.0), the accessibility engine the browser tests inject into every page they visit; from
# the npm registry, pinned, and refused unless the tarball's sha512 is the registry's integrity recorded here.
AXE_PKG := axe-core@4.10.3
AXE_SHA512 := Xm7bpRXnDSX2YE2YFfBk2FnF0ep6tmG7xPh8iHee8MIcrgq762Nkce856dYtJYLkuIoYZvGfTs/PbZhideTcEg==
AXE := .cache/axe/axe.min.js
$(AXE):
	rm -rf .cache/axe/pack && mkdir -p .cache/axe/pack
	cd .cache/axe/pack && npm pack --silent $(AXE_PKG) >/dev/null
	test "$$(openssl dgst -sha512 -binary .cache/axe/pack/axe-core-4.10.3.tgz | base64 -w0)" = "$(AXE_SHA512)" \
		|| (echo "axe-core tarball does not match its recorded sha512" >&2; rm -rf .cache/axe/pack; exit 1)
	cd .cache/axe/pack && tar -xzf axe-core-4.10.3.tgz package/axe.min.js package/LICENSE
	mv .cache/axe/pack/package/LICENSE .cache/axe/LICENSE-axe-core
	mv .cache/axe/pack/package/axe.min.js $(AXE)
	rm -rf .cache/axe/pack

$(SECRET_FILE): | $(STAMP)
	mkdir -p instance
	umask 077 && $(PY) -c 'import secrets; print(secrets.token_hex(32))' > $@

translations: install
	$(VENV)/bin/pybabel compile -d app/translations

db: install $(SECRET_FILE)
	$(FLASK) db upgrade

demo: db
	$(FLASK) demo load

index: demo
	$(FLASK) index rebuild

# Plain HTTP on 127.0.0.1, so the session cookie cannot be marked Secure here; production keeps it Secure.
# The embeddings service starts first (when installed) and stops with the app; its vectors fill in the background.
run: translations index
	@E5_PORT=$(E5_PORT) bash .ci/e5.sh start $(E5_ENV) || echo "make: running without the e5 embeddings service" >&2
	set -a; [ -f $(E5_ENV) ] && . ./$(E5_ENV); set +a; \
	INDEX_WORKER_IN_PROCESS=1 SESSION_COOKIE_SECURE=0 $(FLASK) run --host 127.0.0.1 --port $(PORT); rc=$$?; \
	bash .ci/e5.sh stop $(E5_ENV); exit $$rc

# Debian's chromium for the browser tests; no browser download.
browser:
	@command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)

services-up:
	bash .ci/postgres.sh start .ci/.pg.env
	bash .ci/meilisearch.sh start .ci/.meili.env
	E5_PORT=$(E5_PORT) bash .ci/e5.sh start $(E5_ENV)

services-down:
	-bash .ci/e5.sh stop $(E5_ENV)
	-bash .ci/meilisearch.sh stop .ci/.meili.env
	-bash .ci/postgres.sh stop .ci/.pg.env

# Two workers, each taking whole files (a file's module fixtures are built once) and its own PostgreSQL database.
TEST_WORKERS ?= 2
test: translations browser $(AXE) services-up
	set -a; . ./.ci/.pg.env; . ./.ci/.meili.env; . ./$(E5_ENV); set +a; \
	REQUIRE_SERVICES=1 $(PY) -m pytest -q -p no:cacheprovider -n $(TEST_WORKERS) --dist loadfile --durations=25; rc=$$?; \
	$(MAKE) --no-print-directory services-down; exit $$rc

# `make load`: 100k listings on PostgreSQL (grown and indexed once, then cached), gunicorn -w 2 and a separate
# index worker, USERS simulated users for SECONDS seconds from Locust (app/ops/load/). As root on a fresh machine.
USERS ?= 20
SECONDS ?= 60
LOAD_STAMP := $(VENV)/.load-stamp
$(LOAD_STAMP): $(STAMP)
	$(VENV)/bin/pip install -q -e '.[test,load]'
	touch $(LOAD_STAMP)

load: translations $(LOAD_STAMP)
	bash .ci/postgres.sh cluster
	$(PY) -m app.ops.load --users $(USERS) --seconds $(SECONDS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

# The README's pictures, taken by the browser tests on the demo marketplace.
screenshots: translations browser
	SCREENSHOT_DIR=app/static/screenshots $(PY) -m pytest -q -p no:cacheprovider tests/e2e/test_screens.py
