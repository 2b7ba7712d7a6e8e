"""Validation that could not run on the engine (the other failure without a data verdict is
`handlers.settings.ConfigurationError`: fix the deployment; exit status 2 in the CLI).

A QueryEngineError is an infrastructure failure (Athena FAILED, a query stopped at the poll
deadline, missing table, an Athena call that failed after botocore's retries): the Lambda raises it,
never turns it into `passed: false`, so the task fails. The reference state machine does not retry
it (its Retry covers Lambda service errors); its Catch sends it to the error handler, which alerts
with `validation_failure`.
"""

from __future__ import annotations


class QueryEngineError(RuntimeError):
    """The query engine could not run a validation query."""
