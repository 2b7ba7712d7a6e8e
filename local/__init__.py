"""Run the monitoring loop on a laptop: moto in place of AWS, DuckDB in place of Athena/Iceberg."""
