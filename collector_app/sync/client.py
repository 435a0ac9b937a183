"""The provincial server's API over HTTP (requests, no Qt): timeouts, retries with backoff and jitter, TLS on.

A call that fails on the way (no connection, a timeout, a dropped reply, 5xx, 408, 429) is tried
again after an exponential, fully jittered pause; other 4xx answers are final. Retrying an upload
is safe: a batch's id and bytes never change, so the server stores it once and answers the same.
So is retrying an enrolment: the request is signed with the device's key, and the server answers
a repeat with a fresh token in place of the one whose reply was lost.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, Literal, Self, cast

import requests

from collector_app import __version__
from collector_app.i18n import _
from collector_app.wire import (
    API_PREFIX,
    BatchAnswer,
    ChangesPage,
    EnrolAnswer,
    EnrolRequest,
    ErrorCode,
    HighestReceipts,
    RecordStatus,
    RecoveryPage,
    RoundPayments,
)

DEFAULT_TIMEOUT = 30.0
"""Seconds to wait for the connection, and then for each read of the answer."""
RETRIED_4XX = frozenset({408, 429})


@dataclass(frozen=True)
class Backoff:
    """How often and how long to wait between tries: full jitter over an exponential ceiling."""

    attempts: int = 5  # tries in all, the first one included
    base: float = 0.5  # seconds: the ceiling of the first pause
    cap: float = 30.0  # seconds: no pause is longer

    def pause(self, retry: int, rng: random.Random) -> float:
        """The pause before retry number `retry` (0 for the first retry): uniform in [0, ceiling]."""
        return rng.uniform(0.0, min(self.cap, self.base * 2**retry))


DEFAULT_BACKOFF = Backoff()


class SyncError(Exception):
    """Syncing could not be done; the message is for the user (in the current language)."""


class ServerUnavailable(SyncError):
    """The server could not be reached or kept failing (after every retry): try again later."""

    def __init__(self, url: str, detail: str) -> None:
        super().__init__(_("The server {url} could not be reached: {detail}").format(url=url, detail=detail))
        self.url = url
        self.detail = detail


class ServerRefused(SyncError):
    """The server answered with an error no retry can change (4xx): `code` is a wire.ErrorCode value."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(self.text(code, message))
        self.status = status
        self.code = code
        self.server_message = message

    @staticmethod
    def text(code: str, message: str) -> str:
        """What the user is told."""
        return _("The server refused: {message} ({code})").format(message=message, code=code)


class DeviceRevoked(ServerRefused):
    """The province revoked this device: no call can succeed again, so none is retried."""

    @staticmethod
    def text(code: str, message: str) -> str:
        return _("This device has been revoked by the provincial server and can no longer sync: "
                 "ask your supervisor.")


class ProtocolError(SyncError):
    """The server's answer does not follow the wire schema."""

    def __init__(self, detail: str) -> None:
        super().__init__(_("The server's answer cannot be read: {detail}").format(detail=detail))


@dataclass(frozen=True)
class UploadAnswer:
    text: str  # the answer exactly as the server sent it
    answer: BatchAnswer


def api_url(server: str) -> str:
    """The API root for a server address: "https://host" and "https://host/api/v1/" both give ".../api/v1"."""
    url = server.strip().rstrip("/")
    return url if url.endswith(API_PREFIX) else url + API_PREFIX


class SyncClient:
    """One server, one device token; `verify` is True (the system's CAs) or a CA bundle file."""

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        verify: Literal[True] | str | os.PathLike[str] = True,
        timeout: float = DEFAULT_TIMEOUT,
        backoff: Backoff = DEFAULT_BACKOFF,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        if verify is not True and not Path(verify).is_file():
            raise FileNotFoundError(_("CA bundle not found: {path}").format(path=verify))
        self.base_url = api_url(base_url)
        self._token = token
        self._verify: bool | str = True if verify is True else str(verify)
        self._timeout = timeout
        self._backoff = backoff
        self._sleep = sleep
        self._rng = rng or random.SystemRandom()
        self._session = requests.Session()
        self._session.headers["User-Agent"] = f"collector-app/{__version__}"
        self.clock_offset: float | None = None
        """Seconds the server's clock is ahead of this device's (negative: behind), from the `Date`
        header of its latest answer; None until an answer carried one."""

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # ---- the calls ------------------------------------------------------------------------------

    def upload(self, body: str | bytes) -> UploadAnswer:
        """POST a sealed batch (its exact body) and return the server's answer for each record."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        return _upload_answer(self._request("POST", "/batches", data=data))

    def batch_status(self, batch_id: str) -> UploadAnswer | None:
        """The answer the server gave to one of this device's batches; None if it never received it."""
        response = self._request("GET", f"/batches/{batch_id}", allow={404})
        return None if response.status_code == 404 else _upload_answer(response)

    def changes(self, since: str | None) -> ChangesPage:
        """Decisions, policy tables and reference data (facilities among them) published after the cursor `since`."""
        response = self._request("GET", "/changes", params={"since": since} if since else None)
        return _changes_page(json_object(response))

    def round_payments(self, round_id: str) -> RoundPayments | None:
        """The point's payments the server holds for the people of a visit round this device made; None when
        it holds no such round (not delivered yet, or a server older than visit rounds)."""
        response = self._request("GET", f"/rounds/{round_id}/payments", allow={404})
        if response.status_code == 404:
            return None
        answer = json_object(response)
        _require(answer, {"round_id": str, "receipts": list}, "round_payments")
        for receipt in answer["receipts"]:
            if not isinstance(receipt, dict):
                raise ProtocolError("round_payments.receipts")
            _require(receipt, {"receipt_number": str, "person_key": str, "scheme": str, "paid_on": str, "amount": int,
                               "voided": bool}, "round_payments.receipts[]")
        return cast(RoundPayments, answer)

    def my_progress(self, year: int) -> tuple[dict[str, Any], str]:
        """This device's point's progress figures for `year` (`GET /progress/mine`), checked, and as received."""
        response = self._request("GET", "/progress/mine", params={"year": str(year)})
        answer = json_object(response)
        check_progress(answer)
        return answer, response.text

    def recovery_page(self, what: Literal["money", "registrations"], after: str | None, *,
                      limit: int | None = None) -> RecoveryPage:
        """A page of what the server holds: this device's money records, or its point's registrations."""
        params = {"after": after} if after else {}
        if limit is not None:
            params["limit"] = str(limit)
        response = self._request("GET", f"/recovery/{what}", params=params or None)
        return _recovery_page(json_object(response))

    def highest_receipts(self) -> HighestReceipts:
        """The highest receipt number of this device's series the server knows was issued, by year."""
        answer = json_object(self._request("GET", "/recovery/receipts"))
        _require(answer, {"series": str, "highest": list}, "receipts")
        for entry in answer["highest"]:
            if not isinstance(entry, dict):
                raise ProtocolError("receipts.highest")
            _require(entry, {"year": int, "number": int}, "receipts.highest[]")
        return cast(HighestReceipts, answer)

    def enrol(self, request: EnrolRequest) -> EnrolAnswer:
        """Spend a one-time enrolment code; retried like every call.

        Safe to retry: a signed request (`wire.sign_enrolment`) that the server already took is
        answered again with a fresh token, as long as the first one was never used.
        """
        response = self._request("POST", "/devices/enrol", json_body=request, authenticated=False)
        return _enrol_answer(json_object(response))

    def download(self, path: str, target: Path, *, size: int, progress: Callable[[int, int], None] | None = None,
                 chunk: int = 256 * 1024) -> None:
        """Fetch the file at `path` (under /api/v1) into `target`, up to `size` bytes: what `target` already holds
        is kept and the rest asked for with Range, so a download cut off resumes where it stopped. A server
        that ignores Range (200) sends the whole file again, written from the start."""
        retries = 0
        while True:
            held = target.stat().st_size if target.exists() else 0
            if held >= size:
                return
            headers = {"Accept": "application/octet-stream", "Range": f"bytes={held}-"}
            if self._token:
                headers["Authorization"] = f"Bearer {self._token}"
            try:
                with self._session.get(self.base_url + path, headers=headers, stream=True, timeout=self._timeout,
                                       verify=self._verify) as response:
                    self._note_clock(response)
                    if response.status_code == 416:  # nothing left to send: the file is as long as the server's
                        return
                    if response.status_code >= 400:
                        raise refused(response)
                    mode = "ab" if response.status_code == 206 else "wb"
                    done = held if mode == "ab" else 0
                    with target.open(mode) as handle:
                        for part in response.iter_content(chunk):
                            # Never more than announced: a server sending more gets a file that fails its check.
                            handle.write(part[:max(0, size + 1 - done)])
                            done += len(part)
                            if progress is not None:
                                progress(min(done, size), size)
                            if done > size:
                                return
                return
            except requests.exceptions.SSLError as error:
                raise ServerUnavailable(self.base_url, _("TLS error: {error}").format(error=error)) from error
            except (requests.Timeout, requests.ConnectionError, requests.exceptions.ChunkedEncodingError):
                retries += 1
                if retries >= self._backoff.attempts:
                    raise ServerUnavailable(self.base_url, _("the download was cut off")) from None
                self._sleep(self._backoff.pause(retries - 1, self._rng))

    def call(self, method: str, path: str, *, json_body: Mapping[str, Any] | None = None,
             params: Mapping[str, str] | None = None, allow: frozenset[int] = frozenset()) -> requests.Response:
        """Any call of the API (`path` under /api/v1) with this client's timeouts, retries and TLS;
        an answer whose status is in `allow` is returned as it came, neither retried nor raised."""
        return self._request(method, path, json_body=json_body, params=params, allow=allow)

    # ---- transport ------------------------------------------------------------------------------

    def _request(
        self,
        method: str,
        path: str,
        *,
        data: bytes | None = None,
        json_body: Mapping[str, Any] | None = None,
        params: Mapping[str, str] | None = None,
        authenticated: bool = True,
        allow: frozenset[int] | set[int] = frozenset(),
    ) -> requests.Response:
        url = self.base_url + path
        headers = {"Accept": "application/json"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        if authenticated and self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        retries = 0
        while True:
            wait = 0.0
            try:
                response = self._session.request(
                    method, url, data=data, json=json_body, params=params, headers=headers,
                    timeout=self._timeout, verify=self._verify,
                )
            except requests.exceptions.SSLError as error:  # a certificate never gets better by waiting
                raise ServerUnavailable(self.base_url, _("TLS error: {error}").format(error=error)) from error
            except requests.Timeout:
                failure = _("no answer within {seconds} s").format(seconds=self._timeout)
            except requests.exceptions.ChunkedEncodingError:
                failure = _("the answer was cut off")
            except requests.ConnectionError:
                failure = _("no connection")
            else:
                self._note_clock(response)
                status = response.status_code
                if status < 400 or status in allow:
                    return response
                if status < 500 and status not in RETRIED_4XX:
                    raise refused(response)
                failure = f"HTTP {status}"
                wait = _retry_after(response, self._backoff.cap)
            retries += 1
            if retries >= self._backoff.attempts:
                raise ServerUnavailable(self.base_url, failure)
            self._sleep(max(wait, self._backoff.pause(retries - 1, self._rng)))


    def _note_clock(self, response: requests.Response) -> None:
        """How far the server's clock is from ours, by the `Date` header of an answer (to the second)."""
        try:
            server_time = parsedate_to_datetime(response.headers.get("Date", ""))
        except (TypeError, ValueError):
            return
        if server_time.tzinfo is not None:
            self.clock_offset = (server_time - datetime.now(UTC)).total_seconds()


def _retry_after(response: requests.Response, cap: float) -> float:
    """The server's Retry-After in seconds (up to `cap`), 0 when it gives none or gives a date."""
    value = response.headers.get("Retry-After", "")
    return min(float(value), cap) if value.isdigit() else 0.0


def refused(response: requests.Response) -> ServerRefused:
    code, message = f"http.{response.status_code}", response.reason or ""
    try:
        error = response.json().get("error")
    except (ValueError, AttributeError):
        error = None
    if isinstance(error, dict):
        code = str(error.get("code", code))
        message = str(error.get("message", message))
    refused = DeviceRevoked if code == ErrorCode.DEVICE_REVOKED else ServerRefused
    return refused(response.status_code, code, message)


# ---- reading answers: checked against the wire schema, never trusted blindly ----------------------


def json_object(response: requests.Response) -> dict[str, Any]:
    try:
        value = response.json()
    except ValueError as error:
        raise ProtocolError(_("not JSON")) from error
    if not isinstance(value, dict):
        raise ProtocolError(_("not a JSON object"))
    return value


Kinds = Mapping[str, type | tuple[type, ...]]


def _require(value: Mapping[str, Any], types: Kinds, where: str) -> None:
    for name, kind in types.items():
        if not isinstance(value.get(name), kind):
            raise ProtocolError(f"{where}.{name}")


_RESULT: Kinds = {"record_id": str, "status": str, "code": (str, type(None)), "message": (str, type(None)),
           "params": dict}


def check_batch_answer(answer: dict[str, Any]) -> BatchAnswer:
    """`answer` as a BatchAnswer, once it has the wire schema's shape (ProtocolError otherwise)."""
    _require(answer, {"batch_id": str, "status": str, "results": list}, "answer")
    for result in answer["results"]:
        if not isinstance(result, dict):
            raise ProtocolError("answer.results")
        _require(result, _RESULT, "answer.results[]")
        if result["status"] not in set(RecordStatus):
            raise ProtocolError("answer.results[].status")
    return cast(BatchAnswer, answer)


def _upload_answer(response: requests.Response) -> UploadAnswer:
    return UploadAnswer(text=response.text, answer=check_batch_answer(json_object(response)))


_DECISION: Kinds = {"record_id": str, "batch_id": str, "decision": str, "reason": str, "decided_at": str}
_FACILITY: Kinds = {"code": str, "name": str, "province_code": (str, type(None)), "address": (str, type(None)),
                    "withdrawn": bool, "version": int}


_TARGET: Kinds = {"year": int, "scheme": str, "participants": int, "amount": (int, type(None)), "version": int}
_MONTH: Kinds = {"month": int, "participants": int, "new": int, "renewing": int, "amount": int,
                 "last_year_participants": int, "last_year_amount": int}
_SCHEME: Kinds = {"scheme": str, "participants": int, "new": int, "amount": int, "last_year_participants": int,
                  "last_year_amount": int, "target_participants": (int, type(None)),
                  "target_amount": (int, type(None)), "months": list}


def check_progress(answer: Mapping[str, Any]) -> None:
    """ProtocolError unless `answer` has the shape of the server's progress figures (`GET /progress`)."""
    _require(answer, {"year": int, "scope": str, "code": (str, type(None)), "name": (str, type(None)),
                      "points": list, "schemes": list, "as_of": (str, type(None))}, "progress")
    for scheme in answer["schemes"]:
        if not isinstance(scheme, dict):
            raise ProtocolError("progress.schemes")
        _require(scheme, _SCHEME, "progress.schemes[]")
        if len(scheme["months"]) != 12 or not all(isinstance(month, dict) for month in scheme["months"]):
            raise ProtocolError("progress.schemes[].months")
        for month in scheme["months"]:
            _require(month, _MONTH, "progress.schemes[].months[]")


def _changes_page(page: dict[str, Any]) -> ChangesPage:
    _require(page, {"cursor": str, "decisions": list, "policy_tables": list, "reference": dict, "more": bool},
             "changes")
    for decision in page["decisions"]:
        if not isinstance(decision, dict):
            raise ProtocolError("changes.decisions")
        _require(decision, _DECISION, "changes.decisions[]")
    if not all(isinstance(table, dict) for table in page["policy_tables"]):
        raise ProtocolError("changes.policy_tables")
    facilities = page.setdefault("facilities", [])  # a server older than the facility list sends none
    if not isinstance(facilities, list):
        raise ProtocolError("changes.facilities")
    for facility in facilities:
        if not isinstance(facility, dict):
            raise ProtocolError("changes.facilities")
        _require(facility, _FACILITY, "changes.facilities[]")
    targets = page.setdefault("targets", [])  # a server older than targets sends none
    if not isinstance(targets, list) or not all(isinstance(target, dict) for target in targets):
        raise ProtocolError("changes.targets")
    for target in targets:
        _require(target, _TARGET, "changes.targets[]")
    rounds = page.setdefault("rounds", [])  # a server older than visit rounds sends none
    if not isinstance(rounds, list) or not all(isinstance(notice, dict) for notice in rounds):
        raise ProtocolError("changes.rounds")
    for notice in rounds:
        _require(notice, {"record_id": str, "kind": str, "payload": dict, "device_id": str}, "changes.rounds[]")
    releases = page.setdefault("releases", [])  # a server older than updates sends none
    if not isinstance(releases, list) or not all(isinstance(notice, dict) for notice in releases):
        raise ProtocolError("changes.releases")
    for notice in releases:
        _require(notice, _RELEASE, "changes.releases[]")
    _release_key_fields(page["reference"], "changes.reference")
    return cast(ChangesPage, page)


def _release_key_fields(answer: dict[str, Any], where: str) -> None:
    """`release_key` and `release_key_handovers`, as the enrolment answer and each changes page's reference
    carry them: absent is none (a server from before updates, or before rotation)."""
    if not isinstance(answer.get("release_key"), (str, type(None))):
        raise ProtocolError(f"{where}.release_key")
    handovers = answer.setdefault("release_key_handovers", [])
    if not isinstance(handovers, list) or not all(isinstance(handover, dict) for handover in handovers):
        raise ProtocolError(f"{where}.release_key_handovers")
    for handover in handovers:
        _require(handover, {"key": str, "signature": str}, f"{where}.release_key_handovers[]")


_RELEASE: Kinds = {"platform": str, "version": str, "file_name": str, "size": int, "sha256": str, "signature": str,
                   "notes": str, "published_at": str}


_OPTIONAL_TEXT = (str, type(None))
_OPTIONAL_INT = (int, type(None))
_HELD: Kinds = {"record_id": str, "kind": str, "payload": dict, "digest": str, "batch_id": str, "device_id": str,
                "sealed_at": str, "review": _OPTIONAL_TEXT, "review_reason": _OPTIONAL_TEXT,
                "receipt_number": _OPTIONAL_TEXT, "gross": _OPTIONAL_INT, "state_support": _OPTIONAL_INT,
                "local_support": _OPTIONAL_INT, "amount": _OPTIONAL_INT}


def _recovery_page(page: dict[str, Any]) -> RecoveryPage:
    _require(page, {"records": list, "cursor": str, "more": bool}, "recovery")
    _require(page, {"chain_seq": _OPTIONAL_INT, "chain_head": _OPTIONAL_TEXT}, "recovery")  # absent: None
    for record in page["records"]:
        if not isinstance(record, dict):
            raise ProtocolError("recovery.records")
        _require(record, _HELD, "recovery.records[]")
        _require(record, {"chain_entry": (dict, type(None))}, "recovery.records[]")
    return cast(RecoveryPage, page)


def _enrol_answer(answer: dict[str, Any]) -> EnrolAnswer:
    _require(answer, {name: str for name in EnrolAnswer.__required_keys__}, "enrolment")
    if not isinstance(answer.get("public_url", ""), str):
        raise ProtocolError("enrolment.public_url")
    _release_key_fields(answer, "enrolment")
    return cast(EnrolAnswer, answer)
