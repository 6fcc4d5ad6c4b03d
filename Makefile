# The two commands of README.md: `make run` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: run test setup lint typecheck unit bench demo package package-check

setup:
	@bash packaging/setup.sh

run: setup
	@$(PY) -m hukou_scan gui

demo: setup
	@$(PY) -m hukou_scan demo

lint: setup
	$(PY) -m ruff check hukou_scan tests benchmarks
	$(PY) -m ruff format --check hukou_scan tests benchmarks
	$(VENV)/bin/lint-imports

typecheck: setup
	$(PY) -m mypy

test: setup lint typecheck
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q

bench: setup
	HUKOU_EXTRAS=test,bench bash packaging/setup.sh
	$(PY) -m pip install -q --no-deps "rapidocr-onnxruntime==1.4.4"
	$(PY) -m pip install -q --no-deps -c packaging/constraints.txt "page-dewarp==0.3.4"
	@for m in benchmarks/bench_*.py; do n=$$(basename $$m .py); echo "== $$n"; $(PY) -m benchmarks.$$n --quick; done

package: setup
	bash packaging/build.sh

package-check: setup
	bash packaging/check.sh
