"""A bounded schemathesis run over the server's OpenAPI document: no input makes it answer 5xx."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from server_helpers import Device, Server, Supervisor, enrol, new_point

EXAMPLES_PER_OPERATION = 30

schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture(scope="session")
def api_schema(server: Server) -> schemathesis.schemas.BaseSchema:
    return schemathesis.openapi.from_url(f"{server.url}/openapi.json")


@pytest.fixture(scope="session")
def fuzzing_device(server: Server) -> Device:
    return enrol(server, new_point(server))


@schema.parametrize()
@settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
def test_no_generated_request_makes_the_server_fail(case: schemathesis.Case, fuzzing_device: Device,
                                                    supervisor: Supervisor) -> None:
    # Each operation is tried with the token of the role it is meant for, so that generated bodies
    # get past authentication and reach validation and the services.
    token = supervisor.token if "/review/" in case.operation.path else fuzzing_device.token
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=[not_a_server_error])
