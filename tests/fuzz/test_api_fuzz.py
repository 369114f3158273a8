"""Schemathesis over every operation of /api/v1/openapi.json, against a live server on loopback, as a booker
and as an operator: no answer is a server error, and every answer fits the documented schema and status codes.

Bounded so that it runs in every `make test`: FUZZ_EXAMPLES examples an operation and role (25 by default),
no deadline, no shrinking (every failure is collected and reported at once instead).
"""
from __future__ import annotations

import os
import threading
from collections import Counter

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance
from werkzeug.serving import make_server

from meetings import create_app
from meetings.extensions import limiter
from tests.conftest import DEMO_PASSWORD, build_database, make_settings, throwaway_database
from tests.fuzz.conftest import FUZZ_REPORT

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
ROLES = {"booker": "booker", "operator": "op-thads-an-giang"}
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]


@pytest.fixture(scope="module")
def fuzzed_server(tmp_path_factory):
    """The application on its own database (the fuzzer books, changes and cancels at will), served in a thread."""
    with throwaway_database(tmp_path_factory.mktemp("fuzz"), "fuzz") as url:
        app = create_app(make_settings(url))
        build_database(app)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_port}"
        finally:
            server.shutdown()
            limiter.reset()  # the fuzzer spent the sign-in budget of 127.0.0.1
            with app.app_context():
                from meetings.extensions import db

                db.engine.dispose()


def _token(base: str, username: str) -> str:
    response = requests.post(f"{base}/api/v1/auth/token", json={"username": username, "password": DEMO_PASSWORD},
                             timeout=30)
    assert response.status_code == 201, response.text
    return response.json()["token"]


def _short(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return " / ".join(line.strip() for line in text[:6] if line.strip())[:600]


def _fuzz(operation, role, headers, session, examples, statuses, server_errors, failures) -> None:
    label = operation.label

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy())
    def run(case):
        response = case.call(session=session, headers=headers, timeout=60)
        examples[label] += 1
        statuses[response.status_code] += 1
        if response.status_code >= 500:
            server_errors.append(f"{role} {label}: {response.status_code} {response.text[:200]}")
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except (Exception, BaseExceptionGroup) as error:  # collected: the test fails after every operation ran
            failures.setdefault((label, role), _short(error))

    run()


@pytest.mark.fuzz
def test_every_api_operation_survives_the_fuzzer_as_booker_and_operator(fuzzed_server, separate_connections):
    schema = schemathesis.openapi.from_url(f"{fuzzed_server}/api/v1/openapi.json")
    schema.config.base_url = f"{fuzzed_server}/api/v1"
    tokens = {role: _token(fuzzed_server, username) for role, username in ROLES.items()}
    session = requests.Session()
    examples: Counter = Counter()
    statuses: Counter = Counter()
    server_errors: list[str] = []
    failures: dict[tuple[str, str], str] = {}
    operations = []
    for result in schema.get_all_operations():
        operation = result.ok()
        operations.append(operation.label)
        for role, token in tokens.items():
            _fuzz(operation, role, {"Authorization": f"Bearer {token}"}, session, examples, statuses,
                  server_errors, failures)
    total = sum(examples.values())
    summary = (f"schemathesis: {len(operations)} operations x {len(tokens)} roles, {total} examples, "
               f"{len(server_errors)} server errors, {len(failures)} failing operation/role pairs; "
               f"statuses {dict(sorted(statuses.items()))}")
    print(summary)
    FUZZ_REPORT.append(summary)
    FUZZ_REPORT.extend(f"  {role} {label}: {message}" for (label, role), message in sorted(failures.items()))
    assert len(operations) >= 20 and total >= len(operations) * len(tokens)
    assert not server_errors and not failures, summary + "\n" + "\n".join(
        [*server_errors[:10], *(f"{role} {label}: {message}" for (label, role), message in sorted(failures.items()))])
