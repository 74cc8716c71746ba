# The two commands of README.md:
#   make run    set up (venv, database, demo content, admin login) and serve on http://127.0.0.1:8000
#   make test   run the whole test suite
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1:8000

.PHONY: run test setup lint typecheck bench clean bundle

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Two stamps: the demo needs only the runtime requirements (`make run`); the test tools (moto,
# schemathesis, selenium, cfn-lint, mypy…) come with `make test` and `make lint`.
$(VENV)/.installed-run: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed-run
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

setup: $(VENV)/.installed-run
	DEBUG=1 $(BIN)/python manage.py migrate --noinput
	DEBUG=1 $(BIN)/python manage.py demo_content

# uvicorn with the code reloader (realtime/management/commands/serve.py): HTTP and the app's
# live-events WebSocket (/ws/v1), with the in-memory channel layer (no Redis needed).
run: setup
	DEBUG=1 $(BIN)/python manage.py serve --reload $(HOST)

# In parallel: one pytest-xdist worker per core (TEST_WORKERS=0 for one process), each with its
# own test database, Redis database and moto server (tests/support.py). `--dist load`: the
# schemathesis cases share one node id, which the scope and group modes would run only once.
TEST_WORKERS ?= auto

test: $(VENV)/.installed-dev
	$(BIN)/pytest -n $(TEST_WORKERS) --dist load $(PYTEST_ARGS)

# Type-checked (pyproject.toml [tool.mypy]): the project-wide modules, and every app's services and selectors.
TYPED := padmakara/*.py padmakara/api retreats/actions.py media/jobs.py media/processing.py media/bundles.py media/uploads.py \
         media/archive.py media/archive_csv.py media/filenames.py \
         media/read_along.py media/aligners.py retreats/photos.py \
         $(wildcard */services.py */services/*.py */selectors.py */selectors/*.py)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy $(TYPED)

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy $(TYPED)

# Elastic Beanstalk source bundles for the web and worker environments, in dist/ (deploy/README.md).
bundle:
	$(PYTHON) deploy/build_bundle.py $(BUNDLE_ARGS)

clean:
	rm -rf var/db.sqlite3 var/media var/static
