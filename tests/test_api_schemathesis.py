"""Property checks of the JSON API against its own OpenAPI document (schemathesis, stateless):
every documented GET, with inputs the document allows and inputs it forbids, over real HTTP
on the demo district, on SQLite and PostgreSQL. No answer is a 5xx; every answer has a
documented status, content type, headers and body; every 4xx is a German problem+json with
a stable `code`. Two passes: random examples (API_FUZZ_EXAMPLES, default 40, per operation
and mode; derandomized, no example database) and schemathesis' coverage phase (each
parameter's boundary and wrong values in turn, plus undeclared methods)."""
from __future__ import annotations

import os
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import CheckContext
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.demo_district import load_demo

EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "40"))
PROBLEM = "application/problem+json"


def german_problem_on_4xx(ctx: CheckContext, response: Any, case: Any) -> bool | None:
    """A 4xx carries problem+json with `code`, `title` and `detail`, in German."""
    if not 400 <= response.status_code < 500:
        return None
    media = response.headers.get("content-type", [""])[0].split(";")[0]
    assert media == PROBLEM, f"4xx with Content-Type {media!r}, expected {PROBLEM}"
    body = response.json()
    for key in ("code", "title", "detail"):
        assert isinstance(body.get(key), str) and body[key], f"4xx without {key!r}: {body!r}"
    assert response.headers.get("content-language", [""])[0] == "de", "4xx not in German"
    return True


@pytest.fixture
def api_schema(app: Any, live_server: str) -> Any:
    """Our OpenAPI document as the running hub serves it, aimed at that server."""
    load_demo(app, offers=30)
    schema = schemathesis.openapi.from_url(live_server + "/api/v1/openapi.json", timeout=10)
    schema.config.update(base_url=live_server + "/api/v1")
    return schema


def _check_operation(operation: Any, mode: GenerationMode, session: requests.Session) -> None:
    # schemathesis' lazy pytest loader does not run under pytest 9; its strategies do.
    @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        # positive_data_acceptance would demand 2xx for any slug the document allows; an
        # unknown provider is a documented 400 (the filter rules say so).
        case.call_and_validate(session=session, additional_checks=[german_problem_on_4xx],
                               excluded_checks=[positive_data_acceptance], timeout=30)

    run()


def _check_coverage(schema: Any, operation: Any, session: requests.Session) -> int:
    """schemathesis' coverage phase: boundary and wrong values of each parameter in turn,
    which random generation may miss (`limit=abc` among 19 parameters). Returns the count."""
    cases = schema.iter_coverage_cases(
        operation, generation_modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
        generation_config=schema.config.generation_for(operation=operation))
    count = 0
    for case in cases:
        case.call_and_validate(session=session, additional_checks=[german_problem_on_4xx],
                               excluded_checks=[positive_data_acceptance], timeout=30)
        count += 1
    return count


def test_every_parameter_in_turn_answers_as_documented(api_schema: Any) -> None:
    gets = [r.ok() for r in api_schema.get_all_operations() if r.ok().method.upper() == "GET"]
    with requests.Session() as session:
        counts = {op.path: _check_coverage(api_schema, op, session) for op in gets}
    offers = next(op for op in gets if op.path == "/offers")
    # At least one wrong value for every query parameter of /offers was sent.
    assert counts["/offers"] > len(offers.query), counts


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
                         ids=["allowed-input", "forbidden-input"])
def test_every_get_answers_as_documented(api_schema: Any, mode: GenerationMode) -> None:
    operations = [result.ok() for result in api_schema.get_all_operations()]
    gets = [op for op in operations if op.method.upper() == "GET"]
    # schemathesis leaves out the path it loaded the document from (/openapi.json).
    assert {op.path for op in gets} >= {"/providers", "/offers", "/offers/{provider}/{angebot_id}"}
    with requests.Session() as session:
        for operation in gets:
            # Only query parameters have values the document forbids; a path parameter of
            # type string has none (every path segment is a string).
            if mode is GenerationMode.POSITIVE or operation.query:
                _check_operation(operation, mode, session)
