# `make run`: install, migrate, seed the demo data and serve the app on SQLite.
# `make test`: install and run the whole suite, browser tests included (on PostgreSQL too when DATABASE_URL
# points there); installs Debian's chromium first when it is missing and it can (root with apt-get).

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
DEMO_PASSWORD ?= demo12345
# Where links in e-mails point; the address `make run` serves unless given (e.g. a proxy's).
PUBLIC_URL ?= http://$(HOST):$(PORT)
GOVCONF_SIM_PORT ?= 8089
MCU_SIM_PORT ?= 8090
export FLASK_APP := wsgi
export DEMO_PASSWORD

CATALOGS := $(wildcard meetings/translations/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGS:.po=.mo)

.PHONY: install run test lint browser e2e-tools sip-tester translations extract-messages clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt requirements-dev.txt | $(BIN)/activate
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

%.mo: %.po $(VENV)/.installed
	$(BIN)/pybabel compile --use-fuzzy -i $< -o $@

translations: $(COMPILED)

install: $(VENV)/.installed translations

# The simulators start first and are waited for, then the scheduler (so its first pulls find them listening),
# then gunicorn; the banner prints once gunicorn listens. Ctrl+C, or gunicorn ending, stops them all.
run: install
	$(BIN)/flask db upgrade
	$(BIN)/flask seed demo
	@trap 'kill $$server $$scheduler $$simulator $$mcu 2>/dev/null; wait $$server $$scheduler $$simulator $$mcu 2>/dev/null' EXIT INT TERM; \
	export PUBLIC_URL='$(PUBLIC_URL)'; \
	if [ -z "$$GOVCONF_URL" ]; then \
	  $(BIN)/flask govconf simulate --port $(GOVCONF_SIM_PORT) & simulator=$$!; \
	  export GOVCONF_URL=http://127.0.0.1:$(GOVCONF_SIM_PORT); \
	  scripts/wait-for-port $(GOVCONF_SIM_PORT) $$simulator \
	    || { echo "The government simulator did not start on port $(GOVCONF_SIM_PORT) (in use? set GOVCONF_SIM_PORT)."; exit 1; }; \
	  govconf="simulated at $$GOVCONF_URL (set GOVCONF_URL to use the real one)"; \
	else govconf="$$GOVCONF_URL"; fi; \
	if [ -z "$$MCU_URL" ]; then \
	  export MCU_DRIVER=cms MCU_URL=http://127.0.0.1:$(MCU_SIM_PORT) MCU_USERNAME="$${MCU_USERNAME:-admin}" \
	    MCU_PASSWORD="$${MCU_PASSWORD:-demo-mcu}" MCU_CDR_TOKEN="$${MCU_CDR_TOKEN:-demo-cdr-token}" \
	    MCU_SWEEP_SECONDS="$${MCU_SWEEP_SECONDS:-5}"; \
	  $(BIN)/flask mcu simulate --port $(MCU_SIM_PORT) --busy sip:thads-ca-mau@vc.moj.gov.vn:2 \
	    --unreachable sip:thads-cao-bang@vc.moj.gov.vn --drop sip:thads-lang-son@vc.moj.gov.vn:90 & mcu=$$!; \
	  scripts/wait-for-port $(MCU_SIM_PORT) $$mcu \
	    || { echo "The MCU simulator did not start on port $(MCU_SIM_PORT) (in use? set MCU_SIM_PORT)."; exit 1; }; \
	  mcuinfo="simulated at $$MCU_URL (set MCU_URL, MCU_DRIVER=cms and the credentials to use a real one)"; \
	else mcuinfo="$$MCU_URL ($${MCU_DRIVER:-MCU_DRIVER is empty: the MCU is off})"; fi; \
	$(BIN)/flask scheduler run & scheduler=$$!; \
	$(BIN)/gunicorn --workers 1 --threads 8 --bind $(HOST):$(PORT) --no-control-socket --access-logfile - wsgi:app & server=$$!; \
	scripts/wait-for-port $(HOST):$(PORT) $$server 60 \
	  || { echo "The application did not start on $(HOST):$(PORT) (port in use? set PORT)."; exit 1; }; \
	echo ""; \
	echo "  Videoconference meeting manager: http://$(HOST):$(PORT)  (links in e-mails: $$PUBLIC_URL)"; \
	echo "  Demo logins (password $(DEMO_PASSWORD)): admin, booker, leader, op-<endpoint code> e.g. op-thads-an-giang"; \
	echo "  Government system: $$govconf"; \
	echo "  MCU: $$mcuinfo"; \
	echo "  The demo meeting 'Giao ban trực tuyến (thử kết nối MCU)' is dialled by the MCU at its test time."; \
	echo "  The scheduler (statuses, mail, government bridge, MCU) runs alongside; Ctrl+C stops everything."; \
	echo ""; \
	wait $$server

lint: install
	$(BIN)/ruff check .

# The browser tests drive Chromium (CHROMIUM_PATH, else `chromium` on PATH, else /usr/bin/chromium).
browser:
	@chromium="$${CHROMIUM_PATH:-$$(command -v chromium || echo /usr/bin/chromium)}"; \
	if [ ! -x "$$chromium" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "== installing Debian's chromium and fonts-noto-core for the browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-core >/dev/null \
	      || { echo "Installing chromium failed: see apt-get's message above."; exit 1; }; \
	  else \
	    echo "The browser tests need Chromium, and there is none at $$chromium."; \
	    echo "Install it (Debian/Ubuntu):  sudo apt-get install chromium fonts-noto-core"; \
	    echo "or point CHROMIUM_PATH at a Chromium binary, then run make test again."; \
	    exit 1; \
	  fi; \
	fi

# axe-core for the accessibility checks of the browser tests: installed under tests/e2e only, never served.
e2e-tools:
	@test -f tests/e2e/node_modules/axe-core/axe.min.js || npm ci --prefix tests/e2e --no-audit --no-fund --silent \
	  || { echo "Installing axe-core for the browser tests failed (npm ci in tests/e2e)."; exit 1; }

# The SIP probe tests talk to a real SIP user agent: Debian's sipp (package sip-tester), installed when missing.
sip-tester:
	@command -v sipp >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "== installing Debian's sip-tester (sipp) for the SIP probe tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq sip-tester >/dev/null \
	      || { echo "Installing sip-tester failed: see apt-get's message above."; exit 1; }; \
	  else \
	    echo "The SIP probe tests need sipp: install it with 'sudo apt-get install -y sip-tester' and run make test again."; \
	    exit 1; \
	  fi; }

test: install lint browser e2e-tools sip-tester
	$(BIN)/python -m pytest $(PYTEST_ARGS)

extract-messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o meetings/translations/messages.pot .
	$(BIN)/pybabel update -i meetings/translations/messages.pot -d meetings/translations --no-fuzzy-matching

clean:
	rm -rf $(VENV) .pytest_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
