"""Operator tools run against a deployed stack (not shipped in the Lambda package)."""
