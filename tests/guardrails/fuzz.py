"""Hypothesis strategies for hostile handler events, and the SNS limits every alert must meet.

Shared by the CI fuzz tests (a few hundred examples) and `bench/fuzz.py` (10,000 per handler).
`hostile_error_events` puts a hostile value (JSON nested thousands deep, as text or as an
object, or a 300 KB field of any alphabet) in every position of real error-handler inputs,
including positions inside the JSON their Causes carry.
"""

from __future__ import annotations

import copy
import json
import string
from collections.abc import Iterator
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
# ---- a hostile value in every position of real inputs -----------------------------------------

INSIDE_JSON = object()  # a path step: parse this string as JSON and go on inside it
Path = tuple[Any, ...]

HOSTILE_CHUNKS = ("数据", "\x01", '"\\', "\ud800", "😀", "arn:aws:states:")
hostile_values = st.one_of(
    st.integers(min_value=1_000, max_value=10_000).map(events.deep_json),
    st.integers(min_value=1_000, max_value=5_000).map(events.deep_array),
    oversized_text,
    st.sampled_from(HOSTILE_CHUNKS).map(lambda chunk: chunk * (OVERSIZED // len(chunk))),
)


def every_hostile_value() -> list[Any]:
    """One of each kind `hostile_values` draws from, for the exhaustive run."""
    deep = [events.deep_json(5_000), events.deep_array(3_000)]
    return deep + [chunk * (OVERSIZED // len(chunk)) for chunk in HOSTILE_CHUNKS]


REAL_ERROR_EVENTS = (
    events.glue_catch(),
    events.dbt_test_catch(),
    events.validation_catch("scd_integrity", score=90.0, failed=1),
    events.execution_status_change(
        "FAILED", "glue_job_failure", events.glue_catch()["error"]["Cause"]
    ),
    events.glue_job_state_change("FAILED", events.GLUE_ERROR_MESSAGE),
)


def positions(value: Any, path: Path = ()) -> Iterator[Path]:
    """Every position in `value`: each key's value, each item, and within JSON strings."""
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from positions(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from positions(item, (*path, index))
    elif isinstance(value, str) and value.startswith(("{", "[")):
        yield from positions(json.loads(value), (*path, INSIDE_JSON))


_SPLICE = "\x00splice\x00"


def _json_text(value: Any) -> str:
    """JSON for `value`; an array nested deeper than `json.dumps` recurses is spelled out."""
    depth = 0
    node = value
    while isinstance(node, list):
        depth += 1
        node = node[0] if node else None
    return events.deep_json(depth) if depth > 1 else json.dumps(value)


def replaced(value: Any, path: Path, new: Any) -> Any:
    """A copy of `value` with `new` at `path` (JSON strings on the way re-serialised)."""
    if not path:
        return new
    step, rest = path[0], path[1:]
    if step is INSIDE_JSON:
        text = json.dumps(replaced(json.loads(value), rest, _SPLICE))
        return text.replace(json.dumps(_SPLICE), _json_text(new)) if rest else _json_text(new)
    copied = copy.copy(value)
    copied[step] = replaced(value[step], rest, new)
    return copied


def hostile_positions() -> list[tuple[dict[str, Any], Path]]:
    """(real event, position) for every position of every real error-handler input."""
    return [(event, path) for event in REAL_ERROR_EVENTS for path in positions(event) if path]


hostile_error_events = st.sampled_from(REAL_ERROR_EVENTS).flatmap(
    lambda event: st.builds(
        lambda path, new: replaced(event, path, new),
        st.sampled_from([path for path in positions(event) if path]),
        hostile_values,
    )
)

error_handler_events = st.one_of(
    json_values,
    catch_payloads,
    eventbridge_events,
    hostile_error_events,
    st.just({SELF_TEST_KEY: True}),
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


def publish_bytes(params: dict[str, Any]) -> int:
    """What SNS counts against its 256 KB: the message and every attribute's name, type, value."""
    attributes = params.get("MessageAttributes", {})
    return len(params["Message"].encode()) + sum(
        len(name.encode()) + len(value["DataType"].encode()) + len(value["StringValue"].encode())
        for name, value in attributes.items()
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
    size = publish_bytes(params)
    if size >= SNS_MESSAGE_MAX_BYTES:
        problems.append(f"message plus attributes is {size} bytes")
    return problems
