# `make run`: install, migrate, seed the demo data and serve the app on SQLite.
# `make test`: install and run the whole suite (on PostgreSQL too when DATABASE_URL points there).

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
DEMO_PASSWORD ?= demo12345
GOVCONF_SIM_PORT ?= 8089
export FLASK_APP := wsgi
export DEMO_PASSWORD

CATALOGS := $(wildcard meetings/translations/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGS:.po=.mo)

.PHONY: install run test lint translations extract-messages clean

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

run: install
	$(BIN)/flask db upgrade
	$(BIN)/flask seed demo
	@echo ""
	@echo "  Videoconference meeting manager: http://$(HOST):$(PORT)"
	@echo "  Demo logins (password $(DEMO_PASSWORD)): admin, booker, leader, op-<endpoint code> e.g. op-thads-an-giang"
	@echo "  The scheduler (statuses, mail, government bridge) runs alongside; Ctrl+C stops everything."
	@echo ""
	@trap 'kill $$scheduler $$simulator 2>/dev/null; wait $$scheduler $$simulator 2>/dev/null' EXIT INT TERM; \
	if [ -z "$$GOVCONF_URL" ]; then \
	  $(BIN)/flask govconf simulate --port $(GOVCONF_SIM_PORT) & simulator=$$!; \
	  export GOVCONF_URL=http://127.0.0.1:$(GOVCONF_SIM_PORT); \
	  echo "  Government system: simulated at $$GOVCONF_URL (set GOVCONF_URL to use the real one)"; \
	else echo "  Government system: $$GOVCONF_URL"; fi; \
	$(BIN)/flask scheduler run & scheduler=$$!; \
	$(BIN)/gunicorn --workers 1 --threads 8 --bind $(HOST):$(PORT) --access-logfile - wsgi:app

lint: install
	$(BIN)/ruff check .

test: install lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

extract-messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o meetings/translations/messages.pot .
	$(BIN)/pybabel update -i meetings/translations/messages.pot -d meetings/translations --no-fuzzy-matching

clean:
	rm -rf $(VENV) .pytest_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
