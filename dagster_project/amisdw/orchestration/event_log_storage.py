"""The Dagster event log on SQLite, fast enough for a dbt project with hundreds of tests.

Dagster's ``SqliteEventLogStorage`` opens a new engine for every event and commits it in
SQLite's default rollback-journal mode, which costs several disk syncs per event: a run of
the dbt project (its models, and every dbt test as an asset check) writes some 1,500 events
and spent over 30 s of a tiny build doing so. This subclass keeps one engine per shard and
puts the databases in WAL mode with ``synchronous=NORMAL`` (durable at checkpoints, safe for
the webserver, daemon and run processes reading and writing concurrently on one machine).

``dagster.yaml`` (the instance template) names it as the ``event_log_storage``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as db
from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    INDEX_SHARD_NAME,
    SqliteEventLogStorage,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import QueuePool

SQLITE_BUSY_TIMEOUT_SECONDS = 30


def _pragmas(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class FastSqliteEventLogStorage(SqliteEventLogStorage):
    """SqliteEventLogStorage with one engine per shard, WAL journal, synchronous=NORMAL."""

    def __init__(self, base_dir: str, inst_data: Any = None) -> None:
        self._engines: dict[str, Engine] = {}
        self._tables: set[str] = set()
        super().__init__(base_dir, inst_data=inst_data)

    @classmethod
    def from_config_value(  # type: ignore[override]
        cls, inst_data: Any, config_value: dict[str, Any]
    ) -> FastSqliteEventLogStorage:
        return cls(inst_data=inst_data, **config_value)

    def _engine(self, shard: str) -> Engine:
        engine = self._engines.get(shard)
        if engine is None:
            # a pool of open connections (Dagster's own storage opens one per event)
            engine = db.create_engine(
                self.conn_string_for_shard(shard),
                poolclass=QueuePool,
                pool_size=2,
                connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
            )
            db.event.listen(engine, "connect", _pragmas)
            self._engines[shard] = engine
        return engine

    def has_table(self, table_name: str) -> bool:
        """Asked for every asset event; the tables of the index shard only ever get added by
        a migration, so a table once found is there for good."""
        if table_name in self._tables:
            return True
        # not through _connect: it is asked while _connect holds the storage's lock
        engine = self._engine(INDEX_SHARD_NAME)
        with engine.connect() as conn:
            found = bool(engine.dialect.has_table(conn, table_name))
        if found:
            self._tables.add(table_name)
        return found

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        with self._db_lock:
            engine = self._engine(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as conn, conn.begin():
                yield conn
