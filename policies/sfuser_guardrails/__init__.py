"""Pure guardrail rules over Pulumi resource types and properties, and the CrossGuard policies.

The rules are plain functions returning violation messages, so tests call them directly with the
resources the mocked program registers; `pack.POLICIES` wraps them for `pulumi preview
--policy-pack`. Standard library only (plus `pulumi_policy` in `pack`): the pack runs in its
own virtualenv, without the project's packages.
"""
