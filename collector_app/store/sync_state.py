"""What the device knows of its provincial server: address, token, cursor, last sync, pulled policy tables,
the release key it pinned and the newest releases offered.

Kept in the store (`meta` keys and `policy_tables`), not in the JSON preferences: the server owns
these and payments depend on them (style.md §10). The device token is stored in clear until the
store is encrypted at rest (the security issue).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection

from collector_app.store.db import Store
from collector_app.store.outbox import Review
from collector_app.store.delivery import record_reviews
from collector_app.store.facility_updates import FacilityUpdate, apply_facility_updates
from collector_app.store.stamps import utc_now
from collector_app.store.target_updates import TargetUpdate, apply_target_updates

_PREFIX = "sync."
SERVER_URL, TOKEN, CA_BUNDLE, SERVER_KEY = "server_url", "token", "ca_bundle", "server_public_key"
CURSOR, REFERENCE = "cursor", "reference"
LAST_SYNC, LAST_ATTEMPT, ONLINE, LAST_ERROR = "last_sync", "last_attempt", "online", "last_error"
CLOCK_OFFSET, PUBLIC_URL = "clock_offset", "public_url"
RELEASE_KEY, RELEASES = "release_key", "releases"
_KEYS = (SERVER_URL, TOKEN, CA_BUNDLE, SERVER_KEY, CURSOR, REFERENCE, LAST_SYNC, LAST_ATTEMPT, ONLINE, LAST_ERROR,
         CLOCK_OFFSET, PUBLIC_URL, RELEASE_KEY, RELEASES)


@dataclass(frozen=True)
class SyncState:
    server_url: str | None
    token: str | None  # None: not enrolled
    ca_bundle: str | None  # a CA bundle file that verifies the server's certificate, if not a public CA
    server_public_key: str | None  # base64url Ed25519: checks the server's answer files
    cursor: str | None  # give back as `since` on the next pull
    reference: str | None  # JSON: what the server says of this device's point and series
    last_sync: str | None  # UTC ISO 8601: the end of the last sync that did everything
    last_attempt: str | None
    online: bool | None  # whether the server answered on the last attempt (None: never tried)
    last_error: str | None
    clock_offset: float | None = None  # seconds the server's clock was ahead of this device's, last time
    # The province's public address for checking receipts, as the server last gave it: receipts'
    # QR codes are URLs of it (None: not enrolled, or a server without one: the bare signed payload).
    public_url: str | None = None
    # The province's release key (base64url Ed25519), pinned at enrolment or, for a device enrolled before
    # the province had one, at the first sync that brought it; the feed replaces it only with the key its
    # handovers lead to from this one (`release-key rotate`, wire.followed_release_key).
    release_key: str | None = None
    releases: str | None = None  # JSON: the newest release of each platform, as the last sync brought them


@dataclass(frozen=True)
class PulledChanges:
    reviews_matched: int
    new_policy_versions: list[str]
    conflicting_policy_versions: list[str]  # stored before with other content: the first one is kept
    facilities_changed: int = 0  # initial health-care facilities added, changed or withdrawn
    targets_changed: int = 0  # the point's yearly targets set or changed


def _set(connection: Connection, key: str, value: str | None) -> None:
    if value is None:
        connection.exec_driver_sql("DELETE FROM meta WHERE key = ?", (_PREFIX + key,))
    else:
        connection.exec_driver_sql(
            "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (_PREFIX + key, value),
        )


def sync_state(store: Store) -> SyncState:
    with store.read() as connection:
        rows = connection.exec_driver_sql(
            f"SELECT key, value FROM meta WHERE key IN ({', '.join('?' * len(_KEYS))})",
            tuple(_PREFIX + key for key in _KEYS),
        )
        values = {key[len(_PREFIX):]: value for key, value in rows}
    online = values.get(ONLINE)
    return SyncState(
        server_url=values.get(SERVER_URL), token=values.get(TOKEN), ca_bundle=values.get(CA_BUNDLE),
        server_public_key=values.get(SERVER_KEY), cursor=values.get(CURSOR), reference=values.get(REFERENCE),
        last_sync=values.get(LAST_SYNC), last_attempt=values.get(LAST_ATTEMPT),
        online=None if online is None else online == "1", last_error=values.get(LAST_ERROR),
        clock_offset=None if values.get(CLOCK_OFFSET) is None else float(values[CLOCK_OFFSET]),
        public_url=values.get(PUBLIC_URL), release_key=values.get(RELEASE_KEY), releases=values.get(RELEASES),
    )


def save_enrolment(
    store: Store, *, server_url: str, token: str, server_public_key: str, ca_bundle: str | None,
    public_url: str | None = None, release_key: str | None = None,
) -> None:
    """Keep what enrolment gave: from now on this device syncs with `server_url` using `token`.

    A new enrolment starts the pull again from the beginning (cursor cleared); its `public_url`
    replaces the one an earlier enrolment gave (None: that server has none). Its `release_key` is pinned:
    an enrolment, made with a supervisor's one-time code, is the moment the device trusts its province.
    """
    with store.begin() as connection:
        for key, value in ((SERVER_URL, server_url), (TOKEN, token), (SERVER_KEY, server_public_key),
                           (CA_BUNDLE, ca_bundle), (CURSOR, None), (PUBLIC_URL, public_url)):
            _set(connection, key, value)
        if release_key is not None:
            _set(connection, RELEASE_KEY, release_key)


def save_server_url(store: Store, server_url: str) -> None:
    with store.begin() as connection:
        _set(connection, SERVER_URL, server_url)


def save_ca_bundle(store: Store, ca_bundle: str | None) -> None:
    """Verify the server's certificate with this CA bundle file from now on (None: the public CAs)."""
    with store.begin() as connection:
        _set(connection, CA_BUNDLE, ca_bundle)


def record_attempt(store: Store, *, online: bool, error: str | None, synced: bool,
                   clock_offset: float | None = None) -> None:
    """Remember how the last attempt went; `synced` when it delivered and pulled everything.

    `clock_offset`: how far the server's clock was ahead of this device's, when it answered.
    """
    now = utc_now()
    with store.begin() as connection:
        _set(connection, LAST_ATTEMPT, now)
        _set(connection, ONLINE, "1" if online else "0")
        _set(connection, LAST_ERROR, error)
        if clock_offset is not None:
            _set(connection, CLOCK_OFFSET, f"{clock_offset:.0f}")
        if synced:
            _set(connection, LAST_SYNC, now)


def apply_pulled(
    store: Store,
    *,
    cursor: str,
    reviews: Iterable[Review],
    policy_tables: Sequence[tuple[str, str]],
    reference: str | None,
    facilities: Sequence[FacilityUpdate] = (),
    public_url: str | None = None,
    targets: Sequence[TargetUpdate] = (),
    releases: str | None = None,
    release_key: str | None = None,
    pinned_release_key: str | None = None,
) -> PulledChanges:
    """Apply one page of changes and move the cursor past it, in one transaction.

    Applying a page twice (the cursor was not saved before a crash) changes nothing more.
    `policy_tables` are (version, JSON document) pairs the caller has validated, and so are `facilities`
    and `public_url` (None: the page gave none, the one held stays). `releases` (JSON) replaces the releases
    held; `release_key` is pinned if none is yet, or in place of `pinned_release_key` (the pin the caller
    followed the handovers from) if that is the pin still.
    """
    new_versions: list[str] = []
    conflicting: list[str] = []
    with store.begin() as connection:
        matched = record_reviews(connection, reviews)
        now = utc_now()
        for version, document in policy_tables:
            stored = connection.exec_driver_sql(
                "SELECT document FROM policy_tables WHERE version = ?", (version,)
            ).scalar()
            if stored is None:
                connection.exec_driver_sql(
                    "INSERT INTO policy_tables (version, document, received_at) VALUES (?, ?, ?)",
                    (version, document, now),
                )
                new_versions.append(version)
            elif stored != document:
                conflicting.append(version)
        facilities_changed = apply_facility_updates(connection, facilities, now=now)
        targets_changed = apply_target_updates(connection, targets, now=now)
        if reference is not None:
            _set(connection, REFERENCE, reference)
        if public_url is not None:
            _set(connection, PUBLIC_URL, public_url)
        if releases is not None:
            _set(connection, RELEASES, releases)
        if release_key is not None and pinned_release_key is None:
            connection.exec_driver_sql("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
                                       (_PREFIX + RELEASE_KEY, release_key))
        elif release_key is not None:  # an enrolment meanwhile pinned another: it stays
            connection.exec_driver_sql("UPDATE meta SET value = ? WHERE key = ? AND value = ?",
                                       (release_key, _PREFIX + RELEASE_KEY, pinned_release_key))
        _set(connection, CURSOR, cursor)
    return PulledChanges(reviews_matched=matched, new_policy_versions=new_versions,
                         conflicting_policy_versions=conflicting, facilities_changed=facilities_changed,
                         targets_changed=targets_changed)


def policy_documents(store: Store) -> list[tuple[str, str]]:
    """Pulled policy tables as (version, JSON document), oldest received first."""
    with store.read() as connection:
        return [(row[0], row[1]) for row in connection.exec_driver_sql(
            "SELECT version, document FROM policy_tables ORDER BY received_at, version"
        )]
