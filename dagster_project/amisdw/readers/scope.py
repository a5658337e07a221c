"""Outputs scoped to one org: the rows of each ``marts`` table that belong to an org's subtree.

A province manager exporting with ``--org`` gets their province only, dimension rows
included. Each table is scoped by the first of its columns that places a row in the tree:

==============================  ===============================================================
``org_id``                      the org is the scope org or below it (``dim_org``'s parent chain)
``org_l1`` … ``org_l7``         the row's org at the scope org's level is the scope org
``team_id`` (and the like)      the team is in the subtree (``dim_agent``: versions in it;
                                ``fct_agent_event``: events into or out of one of its teams)
none, reference data            kept whole (``dim_grade``, ``dim_kpi``, ``dim_month``)
none, a whole-force figure      left out (e.g. ``data_quality_summary``), listed as such
==============================  ===============================================================
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from amisdw.readers.warehouse import Org, find_org

# tables without org columns that hold no figure of any org (codes, calendars, catalogues)
REFERENCE_TABLES = frozenset({"dim_grade", "dim_kpi", "dim_month"})
TEAM_COLUMNS = ("team_id", "home_team_id", "selling_team_id", "credited_team_id")
EVENT_TEAM_COLUMNS = ("old_team_id", "new_team_id")


@dataclass(frozen=True)
class OrgScope:
    """An org and the ids of every org in its subtree (itself included)."""

    org: Org
    org_ids: tuple[str, ...]

    @property
    def ids_sql(self) -> str:
        return "(" + ", ".join("'" + i.replace("'", "''") + "'" for i in self.org_ids) + ")"


def org_scope(con: duckdb.DuckDBPyConnection, org_id: str) -> OrgScope:
    """The subtree of ``org_id`` in ``marts.dim_org`` (unknown ids raise with a hint)."""
    org = find_org(con, org_id)
    rows = con.execute(
        """
        WITH RECURSIVE subtree(org_id) AS (
            SELECT org_id FROM marts.dim_org WHERE org_id = ?
            UNION
            SELECT d.org_id FROM marts.dim_org d JOIN subtree s ON d.parent_org_id = s.org_id
        )
        SELECT org_id FROM subtree ORDER BY org_id
        """,
        [org.org_id],
    ).fetchall()
    return OrgScope(org, tuple(r[0] for r in rows))


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    return [
        r[0]
        for r in con.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = 'marts' AND table_name = ? ORDER BY ordinal_position",
            [table],
        ).fetchall()
    ]


def scope_predicate(con: duckdb.DuckDBPyConnection, table: str, scope: OrgScope) -> str | None:
    """The WHERE condition that keeps ``table``'s rows of the scope ('TRUE' for reference
    tables), or None when the table holds whole-force figures and is left out."""
    columns = set(_columns(con, table))
    level_column = f"org_l{scope.org.level}"
    if "org_id" in columns:
        return f"org_id IN {scope.ids_sql}"
    if level_column in columns:
        return f"{level_column} = '{scope.org.org_id}'"
    if set(EVENT_TEAM_COLUMNS) <= columns:
        return " OR ".join(f"{c} IN {scope.ids_sql}" for c in EVENT_TEAM_COLUMNS)
    for column in TEAM_COLUMNS:
        if column in columns:
            return f"{column} IN {scope.ids_sql}"
    if table in REFERENCE_TABLES:
        return "TRUE"
    return None
