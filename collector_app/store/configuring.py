"""This device's settings written (`settings` table): one transaction for all the keys a user saved.

The reads are in `store.settings`; only `services.settings` calls this, after checking the role and
the values.
"""

from __future__ import annotations

from collections.abc import Mapping

from collector_app.store.db import Store
from collector_app.store.stamps import utc_now

_UPSERT = (
    "INSERT INTO settings (key, value, updated_at, updated_by) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, "
    "updated_by = excluded.updated_by"
)


def save_settings(store: Store, values: Mapping[str, str | None], *, actor_id: str) -> None:
    """Store each key's text; None forgets the key (its default applies again)."""
    now = utc_now()
    with store.begin() as connection:
        for key, value in values.items():
            if value is None:
                connection.exec_driver_sql("DELETE FROM settings WHERE key = ?", (key,))
            else:
                connection.exec_driver_sql(_UPSERT, (key, value, now, actor_id))
