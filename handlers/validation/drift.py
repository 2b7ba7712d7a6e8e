"""Schema drift: which ingestion checks a missing column stops.

Every check reads the raw table's extraction time (it finds the extracts); a row rule reads its
own columns (`Rule.needs`), the quality score every rule's, and mass deletion the user key on
both sides and the dimension's `valid_to` and deleted flag. A check whose column is missing is
reported as skipped, with the columns named; the others still run.
"""

from __future__ import annotations

from collections.abc import Sequence

from handlers.validation import sql
from handlers.validation.checks import CheckName
from handlers.validation.schema import ExpectedColumn, Source
from handlers.validation.settings import ValidatorSettings

ColumnKey = tuple[Source, str]  # `ExpectedColumn.key`: the source and the lower-case name


def ingestion_needs(settings: ValidatorSettings) -> dict[str, frozenset[ColumnKey]]:
    """Check name -> the columns it reads, for every ingestion check that reads a table."""
    c = settings.columns

    def raw(*names: str) -> frozenset[ColumnKey]:
        return frozenset((Source.RAW, name.lower()) for name in (c.extracted_at, *names))

    rules = {rule.name: raw(*sql.rule_columns(settings, rule)) for rule in sql.INGESTION_RULES}
    dimension = {(Source.DIMENSION, name.lower()) for name in (c.user_id, c.valid_to, c.is_deleted)}
    return {
        CheckName.MIN_RECORD_COUNT: raw(),
        CheckName.DATA_FRESHNESS: raw(),
        CheckName.EXTRACT_VOLUME_DROP: raw(),
        CheckName.MASS_DELETION: raw(c.user_id) | dimension,
        **rules,
        CheckName.DATA_QUALITY_SCORE: frozenset().union(*rules.values()),
    }


def skipped_checks(
    settings: ValidatorSettings, missing: Sequence[ExpectedColumn]
) -> dict[str, list[ExpectedColumn]]:
    """Check name -> the missing columns it needs, for every check that cannot run."""
    skipped = {}
    for name, needs in ingestion_needs(settings).items():
        lacking = [column for column in missing if column.key in needs]
        if lacking:
            skipped[name] = lacking
    return skipped
