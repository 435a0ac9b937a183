"""This device's settings as stored (`settings` table), read: key to text. The writes are in
`store.configuring`; `services.settings` types them and says what each may hold."""

from __future__ import annotations

from collector_app.store.db import Store


def stored_settings(store: Store) -> dict[str, str]:
    """Every stored setting as key -> text; a key never set is absent (its default applies)."""
    with store.read() as connection:
        return {key: value for key, value in connection.exec_driver_sql("SELECT key, value FROM settings")}
