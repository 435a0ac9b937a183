"""The HTTP client: TLS verification on by default, a custom CA bundle, and the shape of its backoff."""

from __future__ import annotations

import datetime
import ipaddress
import random
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from fault_proxy import FaultProxy
from sync_helpers import Collector, RunningServer, assert_server_holds_everything_once, new_collector

from collector_app.sync.client import Backoff, ServerUnavailable, SyncClient, api_url


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _certificate(subject: str, issuer: str, public_key: ec.EllipticCurvePublicKey, signer: ec.EllipticCurvePrivateKey,
                 *, ca: bool) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder().subject_name(_name(subject)).issuer_name(_name(issuer)).public_key(public_key)
        .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if ca:
        builder = builder.add_extension(x509.KeyUsage(
            digital_signature=True, key_cert_sign=True, crl_sign=True, content_commitment=False,
            key_encipherment=False, data_encipherment=False, key_agreement=False, encipher_only=False,
            decipher_only=False), critical=True)
    else:
        builder = builder.add_extension(x509.SubjectAlternativeName(
            [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
    return builder.sign(signer, hashes.SHA256())


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """(CA bundle, server certificate, server key) of a throw-away provincial CA."""
    folder = tmp_path_factory.mktemp("tls")
    ca_key, server_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = _certificate("Test provincial CA", "Test provincial CA", ca_key.public_key(), ca_key, ca=True)
    leaf = _certificate("localhost", "Test provincial CA", server_key.public_key(), ca_key, ca=False)
    paths = folder / "ca.pem", folder / "server.pem", folder / "server.key"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(server_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                  serialization.NoEncryption()))
    return paths


@pytest.fixture
def tls_proxy(server: RunningServer, tls_files: tuple[Path, Path, Path]) -> Iterator[FaultProxy]:
    """The server behind TLS with a certificate of the test CA (as a province's reverse proxy would be)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tls_files[1], tls_files[2])
    proxy = FaultProxy(server.port, tls=context)
    try:
        yield proxy
    finally:
        proxy.close()


def test_tls_is_verified_by_default_so_an_unknown_certificate_is_refused_at_once(tls_proxy: FaultProxy):
    pauses: list[float] = []
    client = SyncClient(tls_proxy.url, "token", sleep=pauses.append)

    with pytest.raises(ServerUnavailable, match="TLS"):
        client.changes(None)

    assert pauses == []  # a certificate does not get better by waiting
    assert tls_proxy.log == []  # nothing was sent over the untrusted connection


def test_a_device_enrolled_with_the_provinces_ca_bundle_syncs_over_tls(
    server: RunningServer, tls_proxy: FaultProxy, tls_files: tuple[Path, Path, Path], tmp_path: Path
):
    collector = new_collector(tmp_path / "device", server, enrolled=False)
    server.admin("add-point", "BD01", "Điểm Bưu điện - Văn hóa xã Đông Anh")
    code = server.admin("enrolment-code", "BD01").strip()

    enrolled = collector.json("enrol", "--server", tls_proxy.url, "--code", code, "--ca", str(tls_files[0]))
    collector.pay(2)
    report = collector.json("sync")

    assert enrolled["server_url"].startswith("https://")
    assert report["delivered"][0]["accepted"] == 2
    assert [exchange.upstream_status for exchange in tls_proxy.exchanges()] == [200]
    assert_server_holds_everything_once(collector)


def test_a_missing_ca_bundle_is_a_one_line_error(collector: Collector, tmp_path: Path):
    result = collector.run("enrol", "--server", "https://127.0.0.1:9/api/v1", "--code", "X",
                           "--ca", str(tmp_path / "missing.pem"))

    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1


def test_backoff_pauses_are_fully_jittered_under_a_ceiling_that_doubles_up_to_the_cap():
    backoff = Backoff(attempts=10, base=0.5, cap=4.0)
    rng = random.Random(5)

    pauses = {retry: [backoff.pause(retry, rng) for _ in range(2_000)] for retry in range(6)}

    for retry, drawn in pauses.items():
        ceiling = min(4.0, 0.5 * 2**retry)
        assert 0.0 <= min(drawn) < 0.05 * ceiling  # full jitter: from (nearly) nothing...
        assert 0.95 * ceiling < max(drawn) <= ceiling  # ...up to the ceiling, never beyond


def test_a_server_address_may_be_given_with_or_without_the_api_path():
    assert api_url("https://bhxh.example.vn") == "https://bhxh.example.vn/api/v1"
    assert api_url("https://bhxh.example.vn/api/v1/") == "https://bhxh.example.vn/api/v1"


def test_batch_status_gives_back_the_answer_the_device_stored(collector: Collector):
    from collector_app.store.batches import list_batches
    from collector_app.store.sync_state import sync_state
    from collector_app.sync.engine import client_for

    collector.pay(2)
    collector.json("sync")
    with collector.open() as store, client_for(store) as client, store.read() as connection:
        [batch] = list_batches(store)
        stored = connection.exec_driver_sql("SELECT answer FROM batches").scalar_one()
        assert sync_state(store).token is not None

        answer = client.batch_status(batch.batch_id)
        unknown = client.batch_status("01a20000-0000-7000-8000-000000000000")

    assert answer is not None and answer.text == stored
    assert [r["status"] for r in answer.answer["results"]] == ["accepted", "accepted"]
    assert unknown is None
