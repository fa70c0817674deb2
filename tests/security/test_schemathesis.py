"""Schemathesis on the app's own OpenAPI, in process (its ASGI transport: no socket is opened), as an admin
and as a viewer: valid and invalid data for every operation, a bounded number of examples each. Any 5xx or
an answer that does not match its declared schema fails.

Operations that reach out of the machine with what they are sent are left out (probing a camera URL,
a WebRTC offer's ICE candidates, a test alert to a route's target), and so are creating or editing cameras,
which starts a pipeline that dials the camera's URL: their inputs are covered by test_fuzz_422.py.
"""

from __future__ import annotations

import itertools
import uuid
import warnings
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.conftest import make_settings
from vigil.api.app import create_app

EXAMPLES_PER_OPERATION = 10  # per mode (valid, invalid)
COVERAGE_CASES_PER_OPERATION = 40
OUTBOUND = [
    ("POST", "/api/v1/cameras/probe"),
    ("POST", "/api/v1/cameras"),
    ("PATCH", "/api/v1/cameras/{camera_id}"),
    ("POST", "/api/v1/cameras/{camera_id}/webrtc/offer"),
    ("POST", "/api/v1/alert-routes/{route_id}/test"),
]
# Findings in code this suite's author did not own, each with its fix; reported as warnings until fixed.
KNOWN: dict[str, str] = {}
# They revoke the token the fuzzing runs with (tested in tests/api/test_auth*.py).
LOGOUT = [("POST", "/api/v1/auth/jwt/logout"), ("POST", "/api/v1/auth/logout-all")]


@dataclass
class Tokens:
    admin: dict[str, str]
    viewer: dict[str, str]


@dataclass
class Fuzzed:
    schema: schemathesis.BaseSchema
    tokens: Tokens


def accounts(app: object) -> Tokens:
    """The first account (the admin) registers; it adds a viewer; both log in."""
    password = f"fuzz {uuid.uuid4().hex} passphrase"
    with asgi.get_client(app) as client:
        base = "http://testserver/api/v1"
        registered = client.post(
            f"{base}/auth/register", json={"email": "a@example.org", "password": password}
        )
        assert registered.status_code == 201, registered.text

        def token(email: str) -> dict[str, str]:
            answer = client.post(f"{base}/auth/jwt/login", data={"username": email, "password": password})
            assert answer.status_code == 200, answer.text
            return {"Authorization": f"Bearer {answer.json()['access_token']}"}

        admin = token("a@example.org")
        added = client.post(
            f"{base}/users",
            json={"email": "v@example.org", "password": password, "role": "viewer"},
            headers=admin,
        )
        assert added.status_code == 201, added.text
        return Tokens(admin, token("v@example.org"))


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fuzzed]:
    app = create_app(make_settings(tmp_path_factory.mktemp("fuzz"), analysis_workers=1))
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)  # starts the app's lifespan
    schema.config.generation.update(
        modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
        max_examples=EXAMPLES_PER_OPERATION,
        deterministic=True,
        database="none",
    )
    for method, path in OUTBOUND + LOGOUT:
        schema = schema.exclude(method=method, path=path)
    try:
        yield Fuzzed(schema, accounts(app))
    finally:
        asgi.shutdown_lifespans()


CHECKS = [not_a_server_error, response_schema_conformance]
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)


def findings(fuzzed: Fuzzed, headers: dict[str, str]) -> list[str]:
    """Every operation: schemathesis' coverage cases (boundaries and just past them, nulls, wrong types,
    huge numbers: the ones the issue's 500s came from), then random valid and invalid data. What failed,
    one line per operation and phase."""
    schema, found = fuzzed.schema, []

    def failed(label: str, failure: Exception) -> None:
        lines = str(failure).strip().splitlines()
        found.append(f"{label}: {' | '.join(lines[:6])[:600]}")

    for result in schema.get_all_operations():
        operation = result.ok()
        coverage = schema.iter_coverage_cases(
            operation, generation_modes=list(MODES), generation_config=schema.config.generation
        )
        for case in itertools.islice(coverage, COVERAGE_CASES_PER_OPERATION):
            try:
                case.call_and_validate(headers=dict(headers), checks=CHECKS)
            except Exception as failure:  # a check's failure, or several
                failed(f"{operation.label} [coverage]", failure)
                break
        for mode in MODES:

            @settings(
                max_examples=EXAMPLES_PER_OPERATION,
                deadline=None,
                derandomize=True,
                database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(mode))
            def run(case: schemathesis.Case) -> None:
                case.call_and_validate(headers=dict(headers), checks=CHECKS)

            try:
                run()
            except Unsatisfiable:
                pass  # no invalid data exists for an operation without parameters
            except Exception as failure:
                failed(f"{operation.label} [{mode.value}]", failure)
        still_in = operation.schema.app  # the token must still work, or the rest would all be 401s
        with asgi.get_client(still_in) as client:
            me = client.get("http://testserver/api/v1/users/me", headers=headers)
        assert me.status_code == 200, f"{operation.label} logged the fuzzing account out: {me.text}"
    return found


def unknown(found: list[str]) -> list[str]:
    for finding in found:
        label = finding.split(":", 1)[0]
        if label in KNOWN:
            warnings.warn(f"known finding: {finding} ({KNOWN[label]})", stacklevel=2)
    return [finding for finding in found if finding.split(":", 1)[0] not in KNOWN]


@pytest.mark.slow
def test_as_an_admin(fuzzed: Fuzzed) -> None:
    found = unknown(findings(fuzzed, fuzzed.tokens.admin))
    assert not found, "\n".join(found)


@pytest.mark.slow
def test_as_a_viewer(fuzzed: Fuzzed) -> None:
    found = unknown(findings(fuzzed, fuzzed.tokens.viewer))
    assert not found, "\n".join(found)
