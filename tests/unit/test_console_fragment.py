"""The CloudWatch console's Logs Insights URL encoding (JSURL, escape, encodeURIComponent, $)."""

from datetime import UTC, datetime
from urllib.parse import unquote

import pytest

from handlers.alerting import links
from handlers.alerting.console_fragment import jsurl, logs_insights_fragment

# A console URL published on Stack Overflow ("Generate AWS Logs Insights URL with query and
# search criteria"), with its redacted query id and log group filled in as `abc` and `fn`.
PUBLISHED_FRAGMENT = (
    "logs-insights$3FqueryDetail$3D$257E$2528end$257E$25272021-07-18T20*3a59*3a59.000Z"
    "$257Estart$257E$25272021-07-15T21*3a00*3a00.000Z$257EtimeType$257E$2527ABSOLUTE"
    "$257Etz$257E$2527Local$257EeditorString$257E$2527fields*20*40timestamp*2c*20*40message"
    "*0a*7c*20sort*20*40timestamp*20desc*0a*7c*20filter*20*40message*20*3d*7e*20*22Exception"
    "*22*0a*7c*20limit*20200$257EisLiveTail$257Efalse$257EqueryId$257E$2527abc$257Esource"
    "$257E$2528$257E$2527*2faws*2flambda*2ffn$2529$2529"
)


def test_reproduces_a_fragment_the_console_produced():
    detail = {
        "end": "2021-07-18T20:59:59.000Z",
        "start": "2021-07-15T21:00:00.000Z",
        "timeType": "ABSOLUTE",
        "tz": "Local",
        "editorString": "fields @timestamp, @message\n| sort @timestamp desc\n"
        '| filter @message =~ "Exception"\n| limit 200',
        "isLiveTail": False,
        "queryId": "abc",
        "source": ["/aws/lambda/fn"],
    }
    assert logs_insights_fragment(detail) == PUBLISHED_FRAGMENT


@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        (None, "~null"),
        (True, "~true"),
        (-3600, "~-3600"),
        ("a b", "~'a*20b"),
        ("$x", "~'!x"),
        ("é", "~'*e9"),
        ("→", "~'**2192"),
        ("it's (~)", "~'it*27s*20*28*7e*29"),
        ([], "~(~)"),
        ({"a": [1, "b"]}, "~(a~(~1~'b))"),
    ],
)
def test_jsurl_values(value, encoded):
    assert jsurl(value) == encoded


def _decoded_state(url: str) -> str:
    fragment = url.split("#logsV2:logs-insights", 1)[1]
    state = unquote(fragment.replace("$", "%"))
    assert state.startswith("?queryDetail=")
    return unquote(state.removeprefix("?queryDetail="))  # undo escape()


def test_a_run_link_queries_its_execution_over_every_log_group_in_the_run_window():
    arn = "arn:aws:states:us-east-1:123456789012:execution:sf-user-pipeline-dev:run-1"
    url = links.logs_insights(
        "us-east-1",
        ["/aws/stepfunctions/sf-user-pipeline-dev", "/aws/lambda/sf-user-pipeline-dev-x"],
        links.matching_query(arn),
        (datetime(2026, 11, 26, 2, 0, tzinfo=UTC), datetime(2026, 11, 26, 2, 7, tzinfo=UTC)),
    )
    assert url.startswith("https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=")
    state = _decoded_state(url)
    assert "~start~'2026-11-26T01*3a55*3a00.000Z" in state
    assert "(end~'2026-11-26T02*3a22*3a00.000Z" in state
    assert "~source~(~'*2faws*2fstepfunctions*2fsf-user-pipeline-dev~'*2faws*2flambda" in state
    assert "arn*3aaws*3astates*3aus-east-1*3a123456789012*3aexecution" in state


def test_without_run_times_the_link_covers_the_last_day():
    state = _decoded_state(links.logs_insights("eu-west-1", ["/g"], "fields @message"))
    assert "(end~0~start~-86400~timeType~'RELATIVE~unit~'seconds" in state


def test_the_query_quotes_the_needle():
    assert 'like "a\\"b"' in links.matching_query('a"b')
