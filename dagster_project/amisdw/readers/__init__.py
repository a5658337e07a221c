"""Read-only access to the published warehouse: connections, the KPI catalogue, KPI look-ups
(``amisdw kpi``) and Parquet exports (``amisdw export``)."""
