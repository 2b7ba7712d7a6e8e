"""Hypothesis strategies for hostile handler events, and the SNS limits every alert must meet.

Shared by the CI fuzz tests (a few hundred examples) and `bench/fuzz.py` (10,000 per handler).
"""

from __future__ import annotations

import json
import string
from typing import Any

from hypothesis import strategies as st

from handlers.contract import SELF_TEST_KEY, ErrorType, ValidationType
from tests.handlers import events

SNS_SUBJECT_MAX_CHARS = 99  # "less than 100 characters"
SNS_MESSAGE_MAX_BYTES = 262_144  # message plus attributes
OVERSIZED = 300_000  # bytes: over Step Functions' and SNS's 256 KB

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30)
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
oversized_text = st.builds(
    lambda chunk, count: chunk * count,
    st.text(min_size=1, max_size=4),
    st.just(OVERSIZED),
)


def _maybe(value: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """The valid value, a wrongly typed one, or nothing at all (a missing key)."""
    return st.one_of(value, json_values, st.just(_MISSING))


_MISSING = object()


def _drop_missing(parts: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in parts.items() if value is not _MISSING}


timestamps = st.one_of(
    st.just(events.START_TIME),
    st.datetimes().map(lambda moment: moment.isoformat() + "Z"),
    st.integers(min_value=-(2**40), max_value=2**45),
    st.text(max_size=25),
)
executions = st.builds(
    lambda identifier, name, start: _drop_missing(
        {"Id": identifier, "Name": name, "StartTime": start}
    ),
    _maybe(st.one_of(st.just(events.EXECUTION_ARN), st.text(max_size=80))),
    _maybe(st.text(max_size=80)),
    _maybe(timestamps),
)
glue_runs = st.one_of(
    st.sampled_from(
        [events.glue_job_run(), events.glue_job_run("FAILED", events.GLUE_ERROR_MESSAGE)]
    ),
    st.dictionaries(
        st.sampled_from(
            ["Id", "JobName", "JobRunState", "StartedOn", "ExecutionTime", "ErrorMessage"]
        ),
        json_values,
        max_size=6,
    ),
)
causes = st.one_of(
    st.text(max_size=200),
    oversized_text,
    json_values.map(lambda value: json.dumps(value, default=str)),
    st.sampled_from(
        [events.glue_catch()["error"]["Cause"], events.dbt_test_catch()["error"]["Cause"]]
    ),
)
catch_payloads = st.builds(
    lambda error_type, error, cause, execution, context: _drop_missing(
        {
            "error_type": error_type,
            "error": error
            if cause is _MISSING or not isinstance(error, dict)
            else {**error, "Cause": cause},
            "execution": execution,
            "context": context,
        }
    ),
    _maybe(st.sampled_from([e.value for e in ErrorType])),
    _maybe(st.fixed_dictionaries({"Error": st.text(alphabet=string.printable, max_size=40)})),
    _maybe(causes),
    _maybe(executions),
    _maybe(json_values),
)
eventbridge_events = st.builds(
    lambda source, detail_type, detail: {
        "version": "0",
        "id": "e",
        "source": source,
        "detail-type": detail_type,
        "account": events.ACCOUNT,
        "time": events.START_TIME,
        "region": events.REGION,
        "resources": [],
        "detail": detail,
    },
    st.sampled_from(["aws.states", "aws.glue", "aws.other"]),
    st.sampled_from(
        ["Step Functions Execution Status Change", "Glue Job State Change", "Something Else"]
    ),
    st.one_of(
        json_values,
        st.fixed_dictionaries(
            {
                "executionArn": st.just(events.EXECUTION_ARN),
                "status": st.sampled_from(["FAILED", "TIMED_OUT", "ABORTED", "SUCCEEDED", "??"]),
                "cause": causes,
                "error": st.text(max_size=20),
            }
        ),
        st.fixed_dictionaries(
            {
                "jobName": st.text(max_size=30),
                "state": st.sampled_from(["FAILED", "STOPPED", "x"]),
                "jobRunId": st.text(max_size=30),
                "message": causes,
            }
        ),
    ),
)
error_handler_events = st.one_of(
    json_values, catch_payloads, eventbridge_events, st.just({SELF_TEST_KEY: True})
)

validation_outputs = st.one_of(
    st.just(events.validator_output("ingestion")),
    st.dictionaries(
        st.sampled_from(
            ["validation_type", "passed", "data_quality_score", "scd_integrity_score", "checks"]
        ),
        json_values,
    ),
)
publisher_events = st.one_of(
    json_values,
    st.builds(
        lambda execution, status, glue, records, dbt, validation: _drop_missing(
            {
                "execution": execution,
                "status": status,
                "glue_job": glue,
                "records": records,
                "dbt": dbt,
                "validation": validation,
            }
        ),
        _maybe(executions),
        _maybe(st.sampled_from(["SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED", "DONE"])),
        _maybe(glue_runs),
        _maybe(
            st.dictionaries(
                st.sampled_from(["processed", "created", "updated", "deleted"]),
                st.one_of(st.integers(), json_values),
            )
        ),
        _maybe(
            st.fixed_dictionaries(
                {},
                optional={
                    "run": st.one_of(st.just(events.run_results("run_pass")), json_values),
                    "test": st.one_of(st.just(events.failing_test_results()), json_values),
                },
            )
        ),
        _maybe(
            st.fixed_dictionaries(
                {}, optional={"ingestion": validation_outputs, "scd": validation_outputs}
            )
        ),
    ),
)
validator_events = st.one_of(
    json_values,
    st.builds(
        lambda validation_type, execution, glue: _drop_missing(
            {"validation_type": validation_type, "execution": execution, "glue_job": glue}
        ),
        _maybe(st.sampled_from([v.value for v in ValidationType])),
        _maybe(executions),
        _maybe(glue_runs),
    ),
)


def sns_limit_problems(params: dict[str, Any]) -> list[str]:
    """What is wrong with one Publish request against SNS's documented limits."""
    problems = []
    subject = params.get("Subject", "")
    if not subject or len(subject) > SNS_SUBJECT_MAX_CHARS:
        problems.append(f"subject length {len(subject)}")
    if not subject.isascii() or any(not char.isprintable() for char in subject):
        problems.append("subject is not printable ASCII on one line")
    if subject and not (subject[0].isalnum() or subject[0] in string.punctuation):
        problems.append("subject must begin with a letter, number or punctuation mark")
    attributes = params.get("MessageAttributes", {})
    size = len(params["Message"].encode()) + sum(
        len(name.encode()) + len(value["DataType"].encode()) + len(value["StringValue"].encode())
        for name, value in attributes.items()
    )
    if size >= SNS_MESSAGE_MAX_BYTES:
        problems.append(f"message plus attributes is {size} bytes")
    return problems
