"""What to do about each error type: recommended actions and an investigation guide (data).

The runbooks in docs/runbooks/ expand on the same steps; keep the two in agreement.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from handlers.contract import ErrorType


@dataclass(frozen=True)
class Guidance:
    summary: str
    actions: tuple[str, ...]
    investigation: tuple[str, ...]


GUIDANCE: Final = MappingProxyType(
    {
        ErrorType.GLUE_JOB_FAILURE: Guidance(
            summary="The Glue extract of Salesforce User records did not complete; "
            "salesforce_raw.sf_user was not refreshed.",
            actions=(
                "Read the Glue ErrorMessage in the root cause and the job run's error log.",
                "If Salesforce or the network failed transiently (timeouts, 5xx, "
                "REQUEST_LIMIT_EXCEEDED), redrive the execution once the API is healthy.",
                "If credentials expired or the connection changed, fix the Glue connection "
                "or secret before redriving.",
                "If the job ran out of memory or time, raise workers or timeout in the job "
                "definition, then redrive.",
            ),
            investigation=(
                "Open the Glue job run link and note the JobRunState, ErrorMessage and "
                "duration against recent successful runs.",
                "Open the Glue error log for the run and find the first Python or Spark "
                "exception (later ones are usually consequences).",
                "Check Salesforce API limits and the connection's secret for the same time.",
                "Check the Iceberg table's latest snapshot to confirm no partial commit.",
                "Check whether the previous runs succeeded; a first failure after a deploy "
                "points at the change.",
            ),
        ),
        ErrorType.VALIDATION_FAILURE: Guidance(
            summary="The extract loaded but failed an ingestion check (record count, "
            "freshness or required fields).",
            actions=(
                "Compare each failed check's observed value with its threshold below.",
                "A low record count or stale _extracted_at: confirm in Salesforce that Users "
                "changed, then check the Glue job's filter or watermark.",
                "Missing required fields: check for a Salesforce schema or permission change "
                "on the User object.",
                "Redrive only after the raw table is right; downstream dbt models trust it.",
            ),
            investigation=(
                "Read the failed checks (observed vs threshold) in the root cause.",
                "Query salesforce_raw.sf_user for the latest _extracted_at and row count.",
                "Compare with the previous successful run's RecordsProcessed on the dashboard.",
                "Open the Glue job run to confirm what it read and wrote.",
            ),
        ),
        ErrorType.DATA_QUALITY_FAILURE: Guidance(
            summary="Fresh data arrived but its data quality score is below the threshold.",
            actions=(
                "Identify which row-level rules failed from the checks below.",
                "If the source data is wrong, raise it with the Salesforce administrators; do "
                "not lower the threshold to pass a bad load.",
                "If a rule is outdated (a new Division or Audit_Phase__c value), update the "
                "rule and its tests, then redrive.",
            ),
            investigation=(
                "Read the data_quality_score and failed checks in the root cause.",
                "Query the failing rows in salesforce_raw.sf_user for the latest extract.",
                "Compare the DataQualityScore trend on the dashboard with recent runs.",
                "Check for recent Salesforce picklist or validation-rule changes.",
            ),
        ),
        ErrorType.DBT_RUN_FAILURE: Guidance(
            summary="dbt could not build the models; salesforce_curated.dim_sf_user_scd was "
            "not rebuilt and consumers see stale history.",
            actions=(
                "Read the failing dbt nodes and their messages in the root cause.",
                "For SQL or compilation errors, fix the model and deploy before redriving.",
                "For warehouse errors (permissions, Iceberg commit conflicts, Athena "
                "throttling), fix or wait, then redrive the execution.",
                "Do not run a full refresh of the SCD model without a backup: it rewrites history.",
            ),
            investigation=(
                "Read the failing node ids and messages in the root cause.",
                "Open the execution and find the dbt run step's output and logs.",
                "Reproduce locally with `dbt run --select <node>+` against the same target.",
                "Check whether the raw table's schema changed (new or renamed columns).",
            ),
        ),
        ErrorType.DBT_TEST_FAILURE: Guidance(
            summary="dbt built the models but data tests failed; the dimension may contain "
            "wrong rows.",
            actions=(
                "Read the failing tests and their failure counts in the root cause.",
                "Decide whether the data or the test is wrong; fix the cause, not the test's "
                "severity.",
                "If consumers must not see the bad rows, pause downstream jobs until fixed.",
            ),
            investigation=(
                "Read the failing test ids, failure counts and messages in the root cause.",
                "Run `dbt test --select <test> --store-failures` to see the failing rows.",
                "Check whether the same test failed in previous runs (a trend, not a blip).",
                "Trace failing rows back to salesforce_raw.sf_user for the same users.",
            ),
        ),
        ErrorType.SCD_VALIDATION_FAILURE: Guidance(
            summary="The SCD Type 2 history of dim_sf_user_scd is inconsistent (duplicate "
            "current rows, gaps/overlaps, flags or versions wrong).",
            actions=(
                "Treat the dimension as corrupt until fixed: warn its consumers.",
                "Identify the broken users from the failed checks and inspect their history.",
                "Fix the snapshot/model logic or the bad input, then rebuild the affected "
                "users' history from the raw table (back up the table first).",
            ),
            investigation=(
                "Read the failed checks (observed vs threshold) in the root cause.",
                "Query users with more than one current row, or overlapping valid_from / "
                "valid_to ranges.",
                "Check versions created when neither Division nor Audit_Phase__c changed.",
                "Compare the SCDIntegrityScore trend on the dashboard to date the break.",
            ),
        ),
        ErrorType.EXTRACT_BREAKER_TRIPPED: Guidance(
            summary="A circuit breaker stopped the run before dbt: the latest extract lacks a "
            "column the checks need, shrank against the previous one, or leaves out current "
            "users dbt would mark deleted. The dimension was not touched; it is not refreshed "
            "until a complete extract runs through.",
            actions=(
                "Do not redrive this execution, and do not run dbt by hand, until the extract is "
                "complete: dbt would soft-delete every user the extract misses.",
                "Confirm from salesforce_raw.sf_user which breaker is right: rows per "
                "_extracted_at for the latest extracts, the previous extract's users missing "
                "from the latest, or the column the expected_columns check names.",
                "Repair the extract (the Glue job's paging or filter, the integration user's "
                "visibility, a field mapping), then start a new execution: it re-extracts and "
                "validates again.",
                "If the change is real (a mass deactivation, a removed field), agree it with the "
                "data owner, adjust the mapping or raise the breaker's limit for one run, and "
                "set it back afterwards.",
            ),
            investigation=(
                "Read each tripped check's observed value and limit in the root cause.",
                "Query salesforce_raw.sf_user: count(*) by _extracted_at over the volume history "
                "window, and the users of the previous extract absent from the latest.",
                "Open the Glue job run: page errors in its logs, its record count, and changes to "
                "the job, its connection or the integration user since the previous run.",
                "Follow the ExtractVolumeDrop, MassDeletion or SchemaDrift runbook for the "
                "breaker that tripped; each shows how to repair a dimension already damaged.",
            ),
        ),
        ErrorType.UNKNOWN: Guidance(
            summary="The pipeline failed in a way the error handler could not classify.",
            actions=(
                "Open the execution and find the failed state and its error.",
                "Treat it as HIGH until understood: consumers may have stale data.",
                "If this failure mode will recur, teach the error handler to classify it.",
            ),
            investigation=(
                "Open the Step Functions execution link; find the first failed state.",
                "Read that state's input, error and cause, and the pipeline log group.",
                "Read the raw detail below for anything the handler could not parse.",
                "Check AWS Health and recent deployments for the same time.",
            ),
        ),
    }
)
