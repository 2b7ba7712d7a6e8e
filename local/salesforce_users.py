"""Deterministic, realistic Salesforce `User` extracts over several days (pure, seeded).

Day to day a few users move division, audit phases progress, some users change untracked fields
(email, active flag), new users are hired and a few are hard-deleted (they never come back).
At weekends (by the extract's date) the org changes less: `weekend_share` of each weekday count.
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Final

USER_KEY_PREFIX: Final = "005"  # Salesforce key prefix of the User object
_ID_BODY_CHARS: Final = string.ascii_letters + string.digits
_CHECKSUM_CHARS: Final = string.ascii_uppercase + "012345"

DIVISIONS: Final = (
    "Sales EMEA",
    "Sales NA",
    "Sales APAC",
    "Customer Success",
    "Marketing",
    "Finance",
    "Engineering",
)
AUDIT_PHASES: Final = ("Not Started", "In Review", "Remediation", "Certified")
FIRST_NAMES: Final = (
    "Ana", "Ben", "Chloe", "Dev", "Elif", "Femi", "Grace", "Hiro", "Ines", "Jonas", "Kavya",
    "Liam", "Maya", "Noah", "Olga", "Priya", "Quinn", "Rosa", "Sven", "Tara", "Umar", "Vera",
)  # fmt: skip
LAST_NAMES: Final = (
    "Alvarez", "Brennan", "Chen", "Dubois", "Eriksen", "Fischer", "Garcia", "Haddad", "Ito",
    "Jensen", "Kowalski", "Lopez", "Moreau", "Nakamura", "Okafor", "Patel", "Rossi", "Silva",
)  # fmt: skip
EMAIL_DOMAIN: Final = "example.com"
SATURDAY: Final = 5
CHURN_COUNTS: Final = (
    "division_moves_per_day", "phase_changes_per_day", "untracked_changes_per_day",
    "hires_per_day", "deletions_per_day",
)  # fmt: skip


def salesforce_id_18(id_15: str) -> str:
    """Salesforce's case-insensitive 18-character id: the 15-character id plus its checksum.

    Each 5-character chunk gives one suffix character: bit i is set when the chunk's i-th
    character is an upper-case letter, and the 5-bit value indexes A-Z0-5.
    """
    if len(id_15) != 15 or not id_15.isalnum():
        raise ValueError(f"a Salesforce id has 15 alphanumeric characters, got {id_15!r}")
    suffix = ""
    for start in range(0, 15, 5):
        chunk = id_15[start : start + 5]
        bits = sum(1 << position for position, char in enumerate(chunk) if char.isupper())
        suffix += _CHECKSUM_CHARS[bits]
    return id_15 + suffix


@dataclass(frozen=True)
class UserRecord:
    """One row of one extract of `salesforce_raw.sf_user`."""

    user_id: str
    username: str
    email: str
    division: str | None
    audit_phase__c: str
    is_active: bool
    extracted_at: datetime


@dataclass(frozen=True)
class ExtractPlan:
    """How many users, over how many daily extracts, and how much churn per day."""

    users: int = 150
    days: int = 5
    seed: int = 20261126
    division_moves_per_day: int = 6
    phase_changes_per_day: int = 12
    untracked_changes_per_day: int = 8
    hires_per_day: int = 3
    deletions_per_day: int = 2
    # Real orgs have users without a division; the SCD must then treat NULL as a value.
    null_division_rate: float = 0.0
    weekend_share: float = 1.0

    def on(self, day: datetime) -> ExtractPlan:
        """The churn of the extract taken on `day`: weekend days scale every count."""
        if day.weekday() < SATURDAY or self.weekend_share == 1.0:
            return self
        return replace(
            self,
            **{name: round(getattr(self, name) * self.weekend_share) for name in CHURN_COUNTS},
        )


class _UserFactory:
    def __init__(self, rng: random.Random, null_division_rate: float) -> None:
        self._rng = rng
        self._null_division_rate = null_division_rate
        self._ids: set[str] = set()

    def new_id(self) -> str:
        while True:
            body = "".join(self._rng.choices(_ID_BODY_CHARS, k=7))
            candidate = salesforce_id_18(f"{USER_KEY_PREFIX}5g000{body}")
            if candidate not in self._ids:
                self._ids.add(candidate)
                return candidate

    def new_user(self, extracted_at: datetime) -> UserRecord:
        first, last = self._rng.choice(FIRST_NAMES), self._rng.choice(LAST_NAMES)
        user_id = self.new_id()
        handle = f"{first}.{last}.{user_id[-4:]}".lower()
        return UserRecord(
            user_id=user_id,
            username=f"{handle}@{EMAIL_DOMAIN}.sfuser",
            email=f"{handle}@{EMAIL_DOMAIN}",
            division=None
            if self._rng.random() < self._null_division_rate
            else self._rng.choice(DIVISIONS),
            audit_phase__c=self._rng.choices(AUDIT_PHASES, weights=(4, 3, 1, 2))[0],
            is_active=True,
            extracted_at=extracted_at,
        )


def _next_phase(phase: str) -> str:
    index = AUDIT_PHASES.index(phase)
    return AUDIT_PHASES[min(index + 1, len(AUDIT_PHASES) - 1)]


def _evolve(
    rng: random.Random, users: dict[str, UserRecord], plan: ExtractPlan, factory: _UserFactory,
    extracted_at: datetime,
) -> dict[str, UserRecord]:  # fmt: skip
    survivors = sorted(users)
    for user_id in rng.sample(survivors, k=min(plan.deletions_per_day, len(survivors))):
        del users[user_id]
    ids = sorted(users)
    for user_id in rng.sample(ids, k=min(plan.division_moves_per_day, len(ids))):
        current = users[user_id]
        choices = [d for d in DIVISIONS if d != current.division]
        users[user_id] = replace(current, division=rng.choice(choices))
    for user_id in rng.sample(ids, k=min(plan.phase_changes_per_day, len(ids))):
        current = users[user_id]
        users[user_id] = replace(current, audit_phase__c=_next_phase(current.audit_phase__c))
    for user_id in rng.sample(ids, k=min(plan.untracked_changes_per_day, len(ids))):
        current = users[user_id]
        users[user_id] = replace(
            current, is_active=not current.is_active, email=current.email.replace("@", "+1@")
        )
    for _ in range(plan.hires_per_day):
        hire = factory.new_user(extracted_at)
        users[hire.user_id] = hire
    return {uid: replace(user, extracted_at=extracted_at) for uid, user in users.items()}


def generate_extracts(plan: ExtractPlan, latest_extract_at: datetime) -> list[UserRecord]:
    """Every row of `plan.days` daily full extracts, the last one at `latest_extract_at`."""
    if plan.days < 1 or plan.users < 1:
        raise ValueError(f"need at least one day and one user, got {plan}")
    rng = random.Random(plan.seed)
    factory = _UserFactory(rng, plan.null_division_rate)
    first_at = latest_extract_at - timedelta(days=plan.days - 1)
    users = {user.user_id: user for user in (factory.new_user(first_at) for _ in range(plan.users))}
    rows = list(users.values())
    for day in range(1, plan.days):
        extracted_at = first_at + timedelta(days=day)
        users = _evolve(rng, users, plan.on(extracted_at), factory, extracted_at)
        rows.extend(users.values())
    return rows
