"""Hostile input never makes the server answer 5xx: generated requests (schemathesis) and a corpus of the worst.

The generated requests: `EXAMPLES_PER_OPERATION` per operation (fewer logins), valid and invalid ones mixed,
sent with the token of the role the operation is for, so that bodies get past authentication and
reach validation and the services. They are generated once and sent to each backend's server
(generating costs more than sending). (Driven through `as_strategy`: schemathesis' pytest fixture
loader does not run under pytest 9.)

The corpus: bodies nested deep, huge strings and numbers (10**30, 1e308, NaN), duplicate keys,
text that is not UTF-8 and wrong content types against every operation; hostile query and path
values; and hostile values in every field of properly sealed batches, which reach the record checks.
"""

from __future__ import annotations

import base64
import json
import math
import uuid
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import requests
import schemathesis
import tally
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.schemas import APIOperation
from server_helpers import (
    PAID_ON,
    Device,
    Server,
    Supervisor,
    add_supervisor,
    enrol,
    family_hi_payment,
    log_in,
    new_point,
    vsi_payment,
    void_record,
)

from collector_app.domain.policy import PolicyTable
from collector_app.domain.receipt_codes import ReceiptClaim, encode_payload
from collector_app.wire import WireRecord, batch_digest, batch_total

# Measured on a shared 2-core machine: generating 150 requests for each operation takes about 20 s
# (once), sending them 5-10 s a backend. CI generates 60 (the bad-input suite keeps to about three
# minutes); `--reliability-scale N` N times as many.
EXAMPLES_PER_OPERATION = 60
# A well-formed login costs the server an argon2 check (about 0.15 s, on purpose): fewer of those.
EXAMPLES_FOR = {"POST /api/v1/auth/login": 15}
OPERATIONS = 25  # every operation of the OpenAPI document; a new one needs a place in the corpus below

_generated: dict[str, list[schemathesis.Case]] = {}
SUPERVISORS_ONLY = ("/review/", "/dashboard", "/targets", "/progress", "/auth/logout")  # called with a supervisor's token
DEVICES_TOO = ("/progress/mine",)  # ... except these, a device's own


SIGNS_OUT = "/auth/logout"  # ends the session it is called with: a session of its own, not the others' one


def _for_supervisors(path: str) -> bool:
    return any(part in path for part in SUPERVISORS_ONLY) and not any(part in path for part in DEVICES_TOO)


def _token_for(path: str, server: Server, supervisor: Supervisor, device: Device) -> str:
    if SIGNS_OUT in path:
        return str(log_in(server, add_supervisor(server)).json()["token"])
    return supervisor.token if _for_supervisors(path) else device.token


def _origin(server: Server) -> str:
    address = urlsplit(server.url)
    return f"{address.scheme}://{address.netloc}"


def test_no_generated_request_makes_the_server_fail(server: Server, supervisor: Supervisor):
    device = enrol(server, new_point(server))
    if not _generated:
        schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json")
        operations = [result.ok() for result in schema.get_all_operations()]
        assert len(operations) == OPERATIONS
        _generated.update({operation.label: _generate(operation) for operation in operations})
    failures = []
    with requests.Session() as session:
        for label, cases in _generated.items():
            token = _token_for(label, server, supervisor, device)
            for case in cases:
                response = case.call(base_url=_origin(server), session=session,
                                     headers={"Authorization": f"Bearer {token}"})
                if response.status_code >= 500:
                    failures.append(f"{response.status_code} {label}: {case.as_curl_command()}")
    assert failures == [], "\n".join(failures)
    tally.bad_input("api:generated", sum(len(cases) for cases in _generated.values()))


# A scenario of linked calls (schemathesis' state machine over the links it infers from the document:
# POST /batches -> GET /batches/{batch_id} -> POST /review/records/{record_id}, GET /review/batches ->
# GET /review/batches/{batch_id}) is at most STATEFUL_STEPS calls; STATEFUL_SCENARIOS of them in CI.
STATEFUL_SCENARIOS = 25
STATEFUL_STEPS = 6


def test_linked_calls_with_ids_from_real_answers_never_make_the_server_fail(
    server: Server, supervisor: Supervisor, policy_table: PolicyTable
):
    device = enrol(server, new_point(server))
    # Real batches, so the review list answers ids that the linked calls then use.
    for _ in range(2):
        answer = device.upload(device.seal([family_hi_payment(device, policy_table), vsi_payment(device, policy_table)]))
        assert answer.status_code == 200, answer.text
    schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json")
    calls: list[tuple[str, int]] = []
    failures: list[str] = []

    class Scenario(schema.as_state_machine()):  # type: ignore[misc]
        def get_call_kwargs(self, case: schemathesis.Case) -> dict[str, Any]:
            token = _token_for(case.path, server, supervisor, device)
            return {"base_url": _origin(server), "headers": {"Authorization": f"Bearer {token}"}, "timeout": 60}

        def validate_response(self, response: Any, case: schemathesis.Case,
                              additional_checks: Any = None, **kwargs: Any) -> None:
            calls.append((case.operation.label, response.status_code))
            if response.status_code >= 500:
                failures.append(f"{response.status_code} {case.operation.label}: {case.as_curl_command()}")

    Scenario.run(settings=settings(max_examples=STATEFUL_SCENARIOS * tally.scale(), stateful_step_count=STATEFUL_STEPS,
                                   deadline=None, database=None, derandomize=True,
                                   suppress_health_check=list(HealthCheck)))

    assert failures == [], "\n".join(failures)
    linked = [label for label, status in calls if "{" in label and status == 200]
    assert linked, f"no linked call reached a real resource: {sorted(set(calls))}"
    tally.bad_input("api:stateful-call", len(calls))


def _generate(operation: APIOperation) -> list[schemathesis.Case]:
    """Requests for one operation, as hypothesis draws them (derandomized: the same on every run)."""
    cases: list[schemathesis.Case] = []
    strategy = st.one_of(operation.as_strategy(GenerationMode.POSITIVE),
                         operation.as_strategy(GenerationMode.NEGATIVE))

    @given(case=strategy)
    @settings(max_examples=EXAMPLES_FOR.get(operation.label, EXAMPLES_PER_OPERATION) * tally.scale(), deadline=None,
              database=None, derandomize=True, phases=[Phase.generate], suppress_health_check=list(HealthCheck))
    def collect(case: schemathesis.Case) -> None:
        cases.append(case)

    collect()
    return cases


# ---- the corpus -----------------------------------------------------------------------------------

HUGE_NUMBERS = ["1" + "0" * 30, "-1" + "0" * 30, str(2**63), str(2**64), "1e308", "-1e308", "1e400", "NaN",
                "Infinity", "-Infinity", "-0", "0.1", "9" * 5000]
"""JSON number texts: beyond 64 bits, the largest float, beyond it, the non-numbers, more digits than Python reads."""
DEEP = [b"[" * 1000 + b"]" * 1000, b'{"a":' * 1000 + b"0" + b"}" * 1000, b"[" * 200_000, b"[" * 33 + b"]" * 33]


def _hostile_values() -> list[str]:
    """JSON texts of values to put where a body's fields go."""
    strings = ['"' + "x" * 1_000_000 + '"', '"' + "\u1ea1" * 300_000 + '"', '"\\u0000"', '"\\ud800"',
               '"\\u202e\\u001b[31m"', '""', json.dumps("١٢٣")]
    shapes = ["null", "true", "[]", "{}", "[" * 31 + "1" + "]" * 31, '{"a":' * 31 + "1" + "}" * 31]
    return HUGE_NUMBERS + strings + shapes


def _with_field(body: dict[str, Any], name: str, value_json: str) -> bytes:
    """`body` as JSON with the value of `name` replaced by the JSON text `value_json`."""
    marker = f"__{uuid.uuid4().hex}__"
    return json.dumps({**body, name: marker}).replace(f'"{marker}"', value_json).encode()


def _duplicated(body: dict[str, Any], name: str) -> bytes:
    text = json.dumps(body)
    return (text[:-1] + f', "{name}": {json.dumps(body[name])}, "{name}": ["again"]}}').encode()


def _bodies(example: dict[str, Any]) -> Iterator[tuple[bytes, str | None]]:
    """Hostile bodies for an operation whose usual body is like `example`, each with its Content-Type."""
    plain = json.dumps(example)
    for body in DEEP:
        yield body, "application/json"
    for name in example:
        for value in _hostile_values():
            yield _with_field(example, name, value), "application/json"
        yield _duplicated(example, name), "application/json"
    yield plain.encode("utf-16"), "application/json"
    yield plain.encode("utf-32"), "application/json"
    yield b"\xef\xbb\xbf" + plain.encode(), "application/json"
    yield plain.replace("{", '{"x": "\xe9",', 1).encode("latin-1", "replace"), "application/json"
    yield b'{"a": "\xc0\xaf\xed\xa0\x80\xff"}', "application/json"
    yield b"", "application/json"
    yield b"\x00" * 1000, "application/json"
    yield plain.encode(), "application/json; charset=utf-16"
    yield plain.encode(), "application/merge-patch+json"
    for content_type in (None, "text/plain", "application/x-www-form-urlencoded", "application/xml",
                         "multipart/form-data; boundary=x", "application/json\x00", "\xff"):
        yield plain.encode(), content_type
    yield b"--x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--x--\r\n", "multipart/form-data; boundary=x"
    yield b"a=1&b=" + b"2" * 100_000, "application/x-www-form-urlencoded"


HOSTILE_SEGMENTS = ["9" * 5000, "1e308", "NaN", "-1", "%FF%FE", "%00", "%C0%AF", "%ED%A0%80", "x" * 8000,
                    "..%2F..%2Fetc%2Fpasswd", "%E2%80%AE", str(uuid.uuid4()).upper(), " ", "%20"]
"""Raw URL text for a path segment or a query value (already percent-encoded where it must be)."""


def test_no_hostile_body_query_or_path_makes_any_operation_fail(
    server: Server, supervisor: Supervisor, policy_table: PolicyTable
):
    device = enrol(server, new_point(server))
    number = device.next_receipt()
    examples: dict[str, dict[str, Any]] = {
        "/batches": dict(device.seal([family_hi_payment(device, policy_table)])),
        "/devices/enrol": {"code": "K7QM-3XRT-9PAB-WC4D", "device_id": str(uuid.uuid4()), "device_name": "Laptop",
                           "public_key": "A" * 43, "device_code": "M9", "signature": "A" * 86},
        "/auth/login": {"username": f"fuzz-{uuid.uuid4().hex[:8]}", "password": "wrong"},  # throttles only itself
        "/receipts/verify": {"payload": encode_payload(ReceiptClaim(number, 500_000, PAID_ON, device.series),
                                                       device.private_key)},
        "/review/records/{record_id}": {"decision": "approve", "reason": ""},
        "/review/batches/{batch_id}/approve-rest": {},  # no body: whatever comes is refused or ignored
        "/targets/import": {"content": _base64(
            f"year,point_code,scheme,participants,amount\n2026,{device.point_code},vsi,120,150000000\n".encode())},
        SIGNS_OUT: {},
    }
    record = str(uuid.uuid4())
    posts = {"/batches": "/batches", "/devices/enrol": "/devices/enrol", "/auth/login": "/auth/login",
             "/receipts/verify": "/receipts/verify", "/review/records/{record_id}": f"/review/records/{record}",
             "/review/batches/{batch_id}/approve-rest": f"/review/batches/{uuid.uuid4()}/approve-rest",
             "/targets/import": "/targets/import", SIGNS_OUT: SIGNS_OUT}
    gets = {"/changes": [f"/changes?since={v}" for v in HOSTILE_SEGMENTS]
            + [f"/changes?limit={v}" for v in HOSTILE_SEGMENTS] + ["/changes?since=1&since=2&limit=1&limit=2"],
            "/batches/{batch_id}": [f"/batches/{v}" for v in HOSTILE_SEGMENTS],
            "/review/batches": [f"/review/batches?{name}={v}" for name in (
                "point", "status", "limit", "offset", "province", "commune", "device", "received_from", "received_to",
                "state", "sort", "order", "totals")
                                for v in HOSTILE_SEGMENTS]
            + ["/review/batches?received_from=0001-01-01&received_to=9999-12-31"],  # days at the ends of time
            "/review/batches/{batch_id}": [f"/review/batches/{v}" for v in HOSTILE_SEGMENTS],
            "/review/records/{record_id}/history": [f"/review/records/{v}/history" for v in HOSTILE_SEGMENTS],
            "/review/days": [f"/review/days?{name}={v}" for name in ("point", "from", "to") for v in HOSTILE_SEGMENTS]
            + ["/review/days?from=2026-02-30", "/review/days?from=2026-01-02&to=2026-01-01",
               "/review/days?from=0001-01-01&to=9999-12-31"],
            **{f"/recovery/{what}": [f"/recovery/{what}?{name}={v}" for name in ("after", "limit")
                                     for v in [*HOSTILE_SEGMENTS, f"{uuid.uuid4()}:1", f"{uuid.uuid4()}:999999999"]]
               for what in ("money", "registrations")},
            "/recovery/receipts": ["/recovery/receipts", "/recovery/receipts?x=1"],
            "/rounds/{round_id}/payments": [f"/rounds/{v}/payments" for v in HOSTILE_SEGMENTS]
            + [f"/rounds/{uuid.uuid4()}/payments"],
            "/dashboard": [f"/dashboard?{name}={v}" for name in ("year", "month", "province", "commune", "silent_only",
                                                                 "silent_days", "sort", "desc", "limit", "offset")
                           for v in HOSTILE_SEGMENTS] + ["/dashboard?year=2026&month=2&sort=behind&sort=point"],
            "/targets": [f"/targets?{name}={v}" for name in ("year", "point", "commune") for v in HOSTILE_SEGMENTS],
            "/progress": [f"/progress?year=2026&{name}={v}" for name in ("year", "scope", "code", "scheme")
                          for v in HOSTILE_SEGMENTS] + ["/progress?year=2026&scope=point&code=NOSUCH"],
            "/progress/mine": [f"/progress/mine?year={v}" for v in HOSTILE_SEGMENTS] + ["/progress/mine"],
            "/releases/{platform}/{version}/file": [f"/releases/{v}/1.2.0/file" for v in HOSTILE_SEGMENTS]
            + [f"/releases/linux-deb/{v}/file" for v in HOSTILE_SEGMENTS]
            + ["/releases/linux-deb/999999.0.0/file", "/releases/windows/1.2.0.0/file",
               "/releases/linux-deb/..%2F..%2Fserver.sqlite3/file"],
            "/progress/points": [f"/progress/points?year=2026&{name}={v}"
                                 for name in ("year", "commune", "sort", "limit", "offset") for v in HOSTILE_SEGMENTS]}
    target = f"/targets/2026/{device.point_code}/vsi"
    puts = {"/targets/{year}/{point}/{scheme}": (target, {"participants": 120, "amount": 150_000_000})}
    puts_elsewhere = [f"/targets/{v}/{device.point_code}/vsi" for v in HOSTILE_SEGMENTS] + [
        f"/targets/2026/{v}/vsi" for v in HOSTILE_SEGMENTS] + [f"/targets/2026/{device.point_code}/{v}"
                                                               for v in HOSTILE_SEGMENTS]
    posts_elsewhere = [f"/review/records/{v}" for v in HOSTILE_SEGMENTS] + [
        f"/review/batches/{v}/approve-rest" for v in HOSTILE_SEGMENTS]
    document = requests.get(f"{server.url}/openapi.json", timeout=30).json()
    covered = {f"{method.upper()} {path}" for path, methods in document["paths"].items() for method in methods}
    assert covered == ({f"POST /api/v1{p}" for p in posts} | {f"GET /api/v1{p}" for p in gets}
                       | {f"PUT /api/v1{p}" for p in puts})

    failures: list[str] = []
    with requests.Session() as session:
        def send(method: str, path: str, token: str, body: bytes | None = None,
                 content_type: str | None = None) -> None:
            headers = {"Authorization": f"Bearer {token}"}
            if content_type is not None:
                headers["Content-Type"] = content_type
            request = requests.Request(method, server.url + path, headers=headers, data=body).prepare()
            request.url = server.url + path  # exactly as written: requests would re-encode some of it
            try:
                response = session.send(request, timeout=60)
            except requests.ConnectionError:  # the connection the last request left may have been closed
                try:
                    response = session.send(request, timeout=60)
                except requests.ConnectionError as error:  # dropped without an answer: as bad as a 500
                    failures.append(f"no answer {method} {path[:80]} {content_type!r} {(body or b'')[:80]!r}: "
                                    f"{error}")
                    return
            # A NUL in a header is not HTTP: uvicorn answers 400 in plain text before the API sees it.
            not_http = "\x00" in (content_type or "")
            if response.status_code >= 500 or not (_api_error_or_answer(response) or not_http):
                failures.append(f"{response.status_code} {method} {path[:80]} {content_type!r} "
                                f"{(body or b'')[:80]!r}: {response.text[:200]}")
            tally.bad_input("api:body" if body is not None and method in ("POST", "PUT") else "api:parameter")

        for path, example in examples.items():
            token = _token_for(path, server, supervisor, device)
            for body, content_type in _bodies(example):
                send("POST", posts[path], token, body, content_type)
        for path, urls in gets.items():
            token = supervisor.token if _for_supervisors(path) else device.token
            for url in urls:
                send("GET", url, token)
        for url in posts_elsewhere:
            send("POST", url, supervisor.token, json.dumps(examples["/review/records/{record_id}"]).encode(),
                 "application/json")
        for url, example in puts.values():
            for body, content_type in _bodies(example):
                send("PUT", url, supervisor.token, body, content_type)
        for plan in HOSTILE_PLANS:  # well-formed requests carrying files that are not plans
            send("POST", "/targets/import", supervisor.token, json.dumps({"content": _base64(plan)}).encode(),
                 "application/json")
        send("POST", "/targets/import", supervisor.token, b'{"content": "not base64!"}', "application/json")
        for url in puts_elsewhere:
            send("PUT", url, supervisor.token, json.dumps(puts["/targets/{year}/{point}/{scheme}"][1]).encode(),
                 "application/json")
    assert failures == [], "\n".join(failures)


HOSTILE_PLANS = [
    b"", b"\xff\xfe\x00", b"PK\x03\x04" + b"\x00" * 200, b"year,point_code\n" + b"1," * 50_000,
    "year,point_code,scheme,participants,amount\n2026,NOSUCH,vsi,1,\n".encode(),
    "year,point_code,scheme,participants,amount\n2026,\u202eX,vsi,1e308,NaN\n".encode(),
    b'year,point_code,scheme,participants,amount\n"2026,X\n', "năm,điểm\n".encode("utf-16"),
]
"""Plan files no import may take: empty, not text, a zip that is no workbook, a huge line, unknown points, bad numbers."""


def _base64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _api_error_or_answer(response: requests.Response) -> bool:
    """A 2xx, or an error in the API's shape `{"error": {"code", "message"}}`."""
    if response.status_code < 300:
        return True
    try:
        error = response.json()["error"]
    except (ValueError, KeyError, TypeError):
        return False
    return isinstance(error, dict) and isinstance(error.get("code"), str) and isinstance(error.get("message"), str)


# ---- hostile values inside sealed batches: past the envelope, into the record checks -------------

def _paths(value: Any, prefix: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    """Every field of a payload, nested ones too (the first item of a list of objects)."""
    for key, child in value.items():
        yield (*prefix, key)
        if isinstance(child, dict):
            yield from _paths(child, (*prefix, key))
        elif isinstance(child, list) and child and isinstance(child[0], dict):
            yield from _paths(child[0], (*prefix, key, 0))


def _set(payload: dict[str, Any], path: tuple[str | int, ...], value: Any) -> None:
    target: Any = payload
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value


RECORD_VALUES: list[Any] = [10**30, -(10**30), 2**63, 1e308, -1e308, 1.5, math.nan, math.inf, "x" * 100_000,
                            "\u202e\u0000\x1b[31m\u200b", "", None, True, [], {}, [[[[[[[[[[1]]]]]]]]]],
                            "9999-12-31", "0001-01-01", "2026-02-30", "١٢", -1, 0]


def test_no_hostile_value_in_any_field_of_a_sealed_batchs_records_makes_the_server_fail(
    server: Server, policy_table: PolicyTable
):
    device = enrol(server, new_point(server))
    makers: list[Callable[[], WireRecord]] = [lambda: family_hi_payment(device, policy_table),
                                              lambda: vsi_payment(device, policy_table),
                                              lambda: void_record(device, device.next_receipt())]
    failures, refused = [], []
    sent = 0
    for make in makers:
        paths = list(_paths(dict(make()["payload"])))
        for value in RECORD_VALUES:  # a batch per value: a record per field it takes the place of
            records = []
            for path in paths:
                record = make()
                _set(record["payload"], path, json.loads(json.dumps(value)))
                records.append(record)
            # A payment's amount sums into the batch's total, which the envelope bounds: a batch of its own.
            for batch in ([r for r, p in zip(records, paths, strict=True) if p != ("amount",)],
                          [r for r, p in zip(records, paths, strict=True) if p == ("amount",)]):
                if not batch:
                    continue
                sent += len(batch)
                response = device.session.post(f"{server.url}/batches", timeout=60,
                                               data=_sealed_as_far_as_possible(device, batch).encode(),
                                               headers={**device.headers, "Content-Type": "application/json"})
                if response.status_code >= 500:
                    failures.append(f"{response.status_code} {value!r:.40}: {response.text[:200]}")
                elif response.status_code == 200:  # every record answered, each on its own
                    assert len(response.json()["results"]) == len(batch)
                else:
                    refused.append((value, len(batch)))
    assert failures == [], "\n".join(failures)
    tally.bad_input("api:record-field", sent)
    # NaN and infinity have no canonical JSON, so no digest: those batches are refused whole, and so
    # are amounts the batch's total cannot hold; every other record reached the record checks.
    unsealable = [size for value, size in refused if isinstance(value, float) and not math.isfinite(value)]
    beyond_total = [size for value, size in refused if type(value) is int and size == 1]
    assert len(unsealable) + len(beyond_total) == len(refused), refused


def _sealed_as_far_as_possible(device: Device, records: list[WireRecord]) -> str:
    """The batch's JSON, sealed as the device would; a digest of nothing where the records have none (NaN)."""
    batch: dict[str, Any] = dict(device.seal([]))
    try:
        digest = batch_digest(records)
    except ValueError:  # NaN, infinity: canonical JSON has no form for them
        digest = "0" * 64
    batch.update(records=records, record_count=len(records), total_amount=batch_total(records), sha256=digest)
    return json.dumps(batch, ensure_ascii=False)  # NaN and Infinity written as the stdlib writes them
