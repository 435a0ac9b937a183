"""A bounded schemathesis run over the server's OpenAPI document: no generated request makes it answer 5xx.

Each operation gets up to 30 requests, valid and invalid ones mixed, sent with the token of the role
the operation is for, so that bodies get past authentication and reach validation and the services.
(Driven through `as_strategy`: schemathesis' pytest fixture loader does not run under pytest 9.)
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.schemas import APIOperation
from server_helpers import Server, Supervisor, enrol, new_point

EXAMPLES_PER_OPERATION = 30


def test_no_generated_request_makes_the_server_fail(server: Server, supervisor: Supervisor):
    device = enrol(server, new_point(server))
    schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 9
    for operation in operations:
        _fuzz(operation, supervisor.token if "/review/" in operation.path else device.token)


def _fuzz(operation: APIOperation, token: str) -> None:
    """Send generated requests to one operation; a failure names it and gives the request as curl."""
    cases = st.one_of(operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE))

    @given(case=cases)
    @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    def call(case: schemathesis.Case) -> None:
        case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=[not_a_server_error])

    call()
