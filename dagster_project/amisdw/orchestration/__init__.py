"""The Dagster wiring of amisdw: definitions, assets, jobs, schedule, sensor, partitions.

Assets stay thin: they call the plain functions of amisdw (ingest, publish) and dbt."""
