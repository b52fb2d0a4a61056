# glrender developer tasks. `make serve` and `make test` set everything up on a fresh Debian machine.

PYTHON ?= python3
VENV ?= .venv
SHARED ?= ../shared
# Headless OpenGL through EGL: the GLVND loader, Mesa's EGL vendor library and its software (llvmpipe) driver.
EGL_PACKAGES = libegl1 libegl-mesa0 libgl1-mesa-dri libgles2
STAMP = $(VENV)/.glrender-installed

.PHONY: venv egl serve test lint typecheck bench conformance clean

venv: $(STAMP)

# Re-installs only when pyproject.toml changes (the stamp is older than it).
$(STAMP): pyproject.toml
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	touch $(STAMP)

egl:
	@if ldconfig -p | grep -q 'libEGL\.so\.1' && ldconfig -p | grep -q 'libEGL_mesa\.so\.0'; then \
		exit 0; \
	elif [ "$$(id -u)" = 0 ]; then \
		echo "Installing EGL (Mesa) for headless OpenGL: $(EGL_PACKAGES)"; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get update -qq && apt-get install -y -qq $(EGL_PACKAGES) >/dev/null; \
	else \
		echo "EGL is missing. Install it with:"; \
		echo "  sudo apt-get update && sudo apt-get install -y $(EGL_PACKAGES)"; \
		exit 1; \
	fi

serve: venv egl
	$(VENV)/bin/glrender serve

test: venv egl
	$(VENV)/bin/ruff check glrender server tests benches
	$(VENV)/bin/pytest -q

lint: venv
	$(VENV)/bin/ruff check glrender server tests benches

typecheck: venv
	$(VENV)/bin/mypy glrender server

bench: venv egl
	$(VENV)/bin/python benches/bench.py

conformance: venv egl
	$(VENV)/bin/python benches/conformance.py $(SHARED)/conformance/maplibre-render

clean:
	rm -rf build dist *.egg-info .pytest_cache .ruff_cache .mypy_cache
