"""A tiny fault-injecting HTTP proxy on 127.0.0.1, between `collector-app` and the real provincial server.

It understands just enough HTTP/1.1 (requests and answers with a Content-Length) to misbehave on
cue: each request that matches a scripted rule takes the rule's next fault; every other request
passes through. It can also speak TLS to the client with a test certificate.
"""

from __future__ import annotations

import json
import socket
import socketserver
import ssl
import threading
import time
from collections import deque
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Fault:
    kind: str
    status: int = 0
    seconds: float = 0.0
    parties: int = 0


PASS = Fault("pass")
DROP_AFTER_REPLY = Fault("drop_after_reply")
"""Forward the request, read the server's whole answer, then close the client's connection without it:
the server stored the batch, the client never hears so."""
HOLD_BEFORE_FORWARD = Fault("hold_before_forward")
"""Signal `held`, keep the client waiting until `release()`, then close: the server never saw the request."""
HOLD_AFTER_REPLY = Fault("hold_after_reply")
"""Forward, read the answer, signal `held`, wait for `release()`, then close without the answer."""


def answer(status: int) -> Fault:
    """Answer `status` with a JSON error body, without asking the server."""
    return Fault("answer", status=status)


def delay(seconds: float) -> Fault:
    """Forward at once, but hold the server's answer back for `seconds` (past the client's timeout)."""
    return Fault("delay", seconds=seconds)


def together(parties: int) -> Fault:
    """Wait until `parties` requests wait here, then forward them all at once."""
    return Fault("together", parties=parties)


@dataclass(frozen=True)
class Exchange:
    method: str
    path: str
    fault: str
    upstream_status: int | None  # None: the server never answered (or was never asked)


@dataclass
class _Rule:
    method: str
    path: str
    faults: deque[Fault]


@dataclass
class _Message:
    head: bytes
    body: bytes
    first_line: str = field(init=False)

    def __post_init__(self) -> None:
        self.first_line = self.head.split(b"\r\n", 1)[0].decode("latin-1")


def _read_message(stream: socket.socket, pending: bytearray) -> _Message | None:
    """One HTTP/1.1 message from `stream` (None when it closed first); `pending` keeps bytes read past it."""
    while b"\r\n\r\n" not in pending:
        chunk = stream.recv(65536)
        if not chunk:
            return None
        pending += chunk
    end = pending.index(b"\r\n\r\n") + 4
    head = bytes(pending[:end])
    length = 0
    for line in head.decode("latin-1").split("\r\n")[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
        if name.strip().lower() == "transfer-encoding":
            raise RuntimeError("the fault proxy only understands Content-Length bodies")
    while len(pending) < end + length:
        chunk = stream.recv(65536)
        if not chunk:
            return None
        pending += chunk
    body = bytes(pending[end : end + length])
    del pending[: end + length]
    return _Message(head, body)


def _error_answer(status: int) -> bytes:
    body = json.dumps({"error": {"code": f"proxy.{status}", "message": "injected by the fault proxy"}}).encode()
    head = (f"HTTP/1.1 {status} Injected\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n")
    return head.encode("latin-1") + body


class FaultProxy:
    """Listens on 127.0.0.1:`port` and forwards to 127.0.0.1:`upstream_port`."""

    def __init__(self, upstream_port: int, *, tls: ssl.SSLContext | None = None) -> None:
        self.upstream_port = upstream_port
        self.log: list[Exchange] = []
        self.held = threading.Event()
        self._release = threading.Event()
        self._rules: list[_Rule] = []
        self._lock = threading.Lock()
        self._barriers: dict[int, threading.Barrier] = {}
        self._tls = tls
        proxy = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                proxy._serve(self.request)

        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="fault-proxy", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        scheme = "https" if self._tls else "http"
        return f"{scheme}://127.0.0.1:{self.port}/api/v1"

    def script(self, *faults: Fault, method: str = "POST", path: str = "/api/v1/batches") -> None:
        """The next requests `method path...` take these faults in order; later ones pass."""
        with self._lock:
            self._rules.append(_Rule(method, path, deque(faults)))

    def release(self) -> None:
        self._release.set()

    def close(self) -> None:
        self._release.set()
        for barrier in self._barriers.values():
            barrier.abort()
        self._server.shutdown()
        self._server.server_close()

    def exchanges(self, method: str = "POST", path: str = "/api/v1/batches") -> list[Exchange]:
        with self._lock:
            return [e for e in self.log if e.method == method and e.path.startswith(path)]

    # ---- one client connection ------------------------------------------------------------------

    def _next_fault(self, method: str, path: str) -> Fault:
        with self._lock:
            for rule in self._rules:
                if rule.method == method and path.startswith(rule.path) and rule.faults:
                    return rule.faults.popleft()
        return PASS

    def _serve(self, client: socket.socket) -> None:
        if self._tls is not None:
            try:
                client = self._tls.wrap_socket(client, server_side=True)
            except (ssl.SSLError, OSError):
                return  # the client refused our certificate: exactly what a TLS test wants to see
        pending = bytearray()
        try:
            while True:
                request = _read_message(client, pending)
                if request is None:
                    return
                if not self._exchange(client, request):
                    return
        except OSError:
            return
        finally:
            client.close()

    def _exchange(self, client: socket.socket, request: _Message) -> bool:
        """Handle one request; False when the client connection must be closed.

        The exchange is logged as soon as the server has answered (or was not asked), before any
        delay or hold, so a test sees it in the order things reached the server.
        """
        method, path = request.first_line.split(" ")[:2]
        fault = self._next_fault(method, path)
        if fault.kind in ("answer", "hold_before_forward"):
            self._record(Exchange(method, path, fault.kind, None))
            if fault.kind == "answer":
                client.sendall(_error_answer(fault.status))
            else:
                self.held.set()
                self._release.wait(30)
            return False
        if fault.kind == "together":
            barrier = self._barriers.setdefault(fault.parties, threading.Barrier(fault.parties, timeout=20))
            barrier.wait()
        reply = self._forward(request)
        self._record(Exchange(method, path, fault.kind, int(reply.first_line.split(" ")[1]) if reply else None))
        if reply is None or fault.kind == "drop_after_reply":
            return False
        if fault.kind == "hold_after_reply":
            self.held.set()
            self._release.wait(30)
            return False
        if fault.kind == "delay":
            time.sleep(fault.seconds)
        client.sendall(reply.head + reply.body)
        return True

    def _record(self, exchange: Exchange) -> None:
        with self._lock:
            self.log.append(exchange)

    def _forward(self, request: _Message) -> _Message | None:
        with socket.create_connection(("127.0.0.1", self.upstream_port), timeout=60) as upstream:
            upstream.sendall(request.head + request.body)
            return _read_message(upstream, bytearray())
