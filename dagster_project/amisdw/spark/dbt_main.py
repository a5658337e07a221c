"""``amisdw-dbt-spark``: dbt, with the Spark session's ANSI mode as the profile sets it.

dbt-spark 1.11 overwrites ``spark.sql.ansi.enabled`` in the profile's
``server_side_parameters`` with ``false`` (and applies the parameters again before every
statement), so a bad cast, an overflow or a division by zero would give NULL on Spark where
DuckDB fails. This entry point restores the profile's value after dbt-spark has read it, then
runs dbt's own command line unchanged.
"""

from __future__ import annotations

from typing import Any

ANSI = "spark.sql.ansi.enabled"


def keep_profile_ansi_mode() -> None:
    """Make dbt-spark's credentials keep the profile's ``spark.sql.ansi.enabled``."""
    from dbt.adapters.spark.connections import SparkCredentials

    if getattr(SparkCredentials.__post_init__, "_amisdw_keeps_ansi", False):
        return
    original = SparkCredentials.__post_init__

    def post_init(self: Any) -> None:
        wanted = dict(self.server_side_parameters or {}).get(ANSI)
        original(self)
        if wanted is not None:
            self.server_side_parameters[ANSI] = str(wanted).lower()

    post_init._amisdw_keeps_ansi = True  # type: ignore[attr-defined]
    SparkCredentials.__post_init__ = post_init  # type: ignore[method-assign]


def main() -> None:
    keep_profile_ansi_mode()
    from dbt.cli.main import cli

    cli()


if __name__ == "__main__":
    main()
