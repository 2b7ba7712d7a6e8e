"""Pipeline validation: ingestion and SCD Type 2 integrity checks over Athena or DuckDB.

Pure logic (settings, SQL text, checks, scores) lives here; `handlers.pipeline_validator` is the
Lambda shell and `handlers.validation.cli` the local one.
"""
