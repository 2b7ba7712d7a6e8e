"""The chat-ready SNS message: schema-valid notification, and the whole envelope within 256 KB."""

import json
from datetime import timedelta

import pytest

from handlers.alerting import chat
from handlers.alerting.alert import AlertConfig, build
from handlers.alerting.inputs import normalise
from handlers.alerting.message import SNS_MAX_MESSAGE_BYTES, attributes_bytes
from handlers.contract import DEFAULT_THRESHOLDS
from tests.frozen_time import FROZEN_NOW
from tests.handlers import events
from tests.unit.chatbot_schema import ChatbotNotification

CONFIG = AlertConfig(
    environment="prod",
    region="us-east-1",
    thresholds=DEFAULT_THRESHOLDS,
    dashboard_name="sf-user-pipeline-prod",
)
NOW = FROZEN_NOW + timedelta(hours=1)


def test_the_chat_form_is_a_valid_custom_notification():
    alert = build(normalise(events.dbt_test_catch()), CONFIG, NOW)
    parsed = ChatbotNotification.model_validate(alert.chat)
    assert parsed.content.next_steps[: len(alert.recommended_actions)] == list(
        alert.recommended_actions
    )
    assert parsed.metadata is not None
    assert parsed.metadata.thread_id == str(alert.identity)
    assert "https://" in (parsed.content.description or "")


@pytest.mark.parametrize("filler", ['"\\', "\x01\n", "ü€", "x"])
def test_the_whole_json_envelope_fits_sns_whatever_escaping_costs(filler):
    cause = filler * 600_000
    alert = build(normalise(events.catch_payload("States.Runtime", cause)), CONFIG, NOW)
    total = (
        len(alert.sns_message.encode())
        + len(alert.subject)
        + attributes_bytes(alert.message_attributes())
    )
    assert total <= SNS_MAX_MESSAGE_BYTES
    structured = json.loads(alert.sns_message)
    assert structured["default"] == alert.message
    ChatbotNotification.model_validate_json(structured["https"])


def test_a_body_too_big_for_the_envelope_is_truncated_to_fit():
    text = '"' * 200_000  # 200 KB raw, 400 KB once JSON-escaped
    envelope, fitted = chat.structured_message(text, {"version": "1.0"}, 100_000)
    assert len(envelope.encode()) <= 100_000
    assert "truncated" in fitted
    assert json.loads(envelope)["default"] == fitted


def test_the_description_is_capped_for_chat_clients():
    made = chat.notification(
        title="t",
        description="d" * 10_000,
        next_steps=[],
        keywords=[],
        thread_id="x",
        summary="s",
        event_type="e",
        related_resources=[],
        additional_context={},
    )
    assert len(made["content"]["description"].encode()) <= chat.DESCRIPTION_MAX_BYTES
