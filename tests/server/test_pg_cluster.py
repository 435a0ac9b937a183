"""The throw-away PostgreSQL cluster of the tests: skipped where PostgreSQL is missing, except in CI."""

from __future__ import annotations

import pg_cluster
import psycopg
import pytest


def test_without_postgresql_the_postgresql_tests_are_skipped_with_the_reason(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(pg_cluster, "find_bin_dir", lambda: None)
    monkeypatch.delenv(pg_cluster.REQUIRE_VARIABLE, raising=False)
    with pytest.raises(pytest.skip.Exception, match="PostgreSQL is not installed"):
        pg_cluster.skip_unless_installed()


def test_without_postgresql_the_postgresql_tests_fail_when_ci_requires_them(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(pg_cluster, "find_bin_dir", lambda: None)
    monkeypatch.setenv(pg_cluster.REQUIRE_VARIABLE, "1")
    with pytest.raises(pytest.fail.Exception, match="REQUIRE_POSTGRESQL=1"):
        pg_cluster.skip_unless_installed()


def test_each_new_database_is_empty_and_separate(postgresql_cluster: pg_cluster.TemporaryCluster):
    first, second = postgresql_cluster.new_database("probe"), postgresql_cluster.new_database("probe")
    assert first != second
    with psycopg.connect(first.replace("postgresql+psycopg", "postgresql")) as connection:
        connection.execute("CREATE TABLE only_here (id integer)")
    with psycopg.connect(second.replace("postgresql+psycopg", "postgresql")) as connection:
        tables = connection.execute("SELECT count(*) FROM pg_tables WHERE tablename = 'only_here'").fetchone()
    assert tables == (0,)
