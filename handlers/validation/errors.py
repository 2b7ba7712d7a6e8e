"""Validation that could not run on the engine (the other failure without a data verdict is
`handlers.settings.ConfigurationError`: fix the deployment; exit status 2 in the CLI).

A QueryEngineError is an infrastructure failure (Athena FAILED, timeout, missing table): the Lambda
raises it so Step Functions retries, never turns it into `passed: false`.
"""

from __future__ import annotations


class QueryEngineError(RuntimeError):
    """The query engine could not run a validation query."""
