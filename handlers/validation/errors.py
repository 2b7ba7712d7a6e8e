"""The two ways validation can fail without a data verdict.

A ConfigurationError is a mistake in settings (fix the deployment; exit status 2 in the CLI). A
QueryEngineError is an infrastructure failure (Athena FAILED, timeout, missing table): the Lambda
raises it so Step Functions retries, never turns it into `passed: false`.
"""

from __future__ import annotations


class ConfigurationError(ValueError):
    """A setting is missing or malformed; the message names the setting."""


class QueryEngineError(RuntimeError):
    """The query engine could not run a validation query."""
