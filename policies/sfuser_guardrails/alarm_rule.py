"""Evaluating a CloudWatch composite alarm rule (`ALARM("a") OR (ALARM(b) AND NOT OK("c"))`).

Used to decide precisely whether one child alarm going into ALARM on its own (every other alarm
OK) puts the composite into ALARM. Unsupported syntax (e.g. `AT_LEAST`) raises RuleSyntaxError,
which callers treat as "not covered".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Final

STATES: Final = frozenset({"ALARM", "OK", "INSUFFICIENT_DATA"})
_TOKEN: Final = re.compile(r'\s*(?:(?P<punct>[(),])|"(?P<quoted>[^"]*)"|(?P<word>[^\s(),"]+))')


class RuleSyntaxError(ValueError):
    pass


def alarm_reference_name(reference: str) -> str:
    """An alarm name from a rule reference, which may be a name or an alarm ARN."""
    if reference.startswith("arn:") and ":alarm:" in reference:
        return reference.split(":alarm:", 1)[1]
    return reference


def _tokens(rule: str) -> list[str]:
    tokens, position = [], 0
    while position < len(rule.rstrip()):
        match = _TOKEN.match(rule, position)
        if match is None or match.end() == position:
            raise RuleSyntaxError(f"cannot read the alarm rule at {rule[position:]!r}")
        tokens.append(match["punct"] or match["word"] or f'"{match["quoted"]}"')
        position = match.end()
    return tokens


class _Parser:
    """Recursive descent: OR binds loosest, then AND, then NOT."""

    def __init__(self, rule: str, state_of: Callable[[str], str]) -> None:
        self.tokens = _tokens(rule)
        self.position = 0
        self.state_of = state_of

    def peek(self) -> str | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self, expected: str | None = None) -> str:
        token = self.peek()
        if token is None or (expected is not None and token.upper() != expected):
            raise RuleSyntaxError(f"expected {expected or 'a token'}, got {token!r}")
        self.position += 1
        return token

    def parse(self) -> bool:
        value = self.disjunction()
        if self.peek() is not None:
            raise RuleSyntaxError(f"unexpected {self.peek()!r}")
        return value

    def disjunction(self) -> bool:
        value = self.conjunction()
        while (self.peek() or "").upper() == "OR":
            self.take()
            value = self.conjunction() or value
        return value

    def conjunction(self) -> bool:
        value = self.negation()
        while (self.peek() or "").upper() == "AND":
            self.take()
            value = self.negation() and value
        return value

    def negation(self) -> bool:
        token = self.take()
        upper = token.upper()
        if upper == "NOT":
            return not self.negation()
        if token == "(":
            value = self.disjunction()
            self.take(")")
            return value
        if upper in {"TRUE", "FALSE"}:
            return upper == "TRUE"
        if upper in STATES:
            self.take("(")
            reference = self.take().strip('"')
            self.take(")")
            return self.state_of(alarm_reference_name(reference)) == upper
        raise RuleSyntaxError(f"unsupported term {token!r}")


def fires_when_only(rule: str, alarming: str) -> bool:
    """Whether `rule` is true when alarm `alarming` is in ALARM and every other alarm is OK."""
    return _Parser(rule, lambda name: "ALARM" if name == alarming else "OK").parse()


def referenced_alarms(rule: str) -> set[str]:
    """Names of every alarm the rule mentions."""
    tokens = _tokens(rule)
    return {
        alarm_reference_name(tokens[index + 2].strip('"'))
        for index, token in enumerate(tokens[:-2])
        if token.upper() in STATES and tokens[index + 1] == "("
    }
