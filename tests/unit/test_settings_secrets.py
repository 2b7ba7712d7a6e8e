"""No config error shows a secret: every secret key, every way its value can be malformed.

A marker inside each value stands for the secret; the message must name the key and the expected
shape, and neither the message nor the traceback Pulumi would print may contain the marker.
"""

from __future__ import annotations

import json
import traceback

import pytest

from components.config_loading import SettingsError, secret_aliases
from tests.infra.pulumi_harness import StackRunError, run_stack
from tests.unit.settings_fixtures import make_settings

P = "sf-user-monitoring"
MARKER = "S3CR3T-marker"
VALID_EMAIL = f"{MARKER}@example.com"
VALID_WEBHOOK = f"https://hooks.example.com/{MARKER}"

# (malformation, config text, what the message must say about the expected shape)
MALFORMED = [
    ("not JSON", f"{MARKER}@example.com", "must be a JSON list"),
    ("truncated JSON", f'["{MARKER}@example.com"', "must be a JSON list"),
    ("a JSON string", json.dumps(f"{MARKER}@example.com"), "must be a JSON list"),
    ("a JSON object", json.dumps({"to": f"{MARKER}@example.com"}), "must be a JSON list"),
    ("an object item", json.dumps([{"to": MARKER}]), "should be a valid string"),
    ("a nested list", json.dumps([[MARKER]]), "should be a valid string"),
    ("a number beside a secret", json.dumps([VALID_EMAIL, VALID_WEBHOOK, 5]), "valid string"),
    ("an invalid item", json.dumps([f"{MARKER} not an address"]), "must be"),
    ("an http URL", json.dumps([f"http://{MARKER}.example.com"]), "must be"),
]


def test_the_secret_keys_are_the_alert_addresses():
    assert secret_aliases() == {
        "criticalAlertEmails",
        "warningAlertEmails",
        "criticalAlertWebhooks",
        "warningAlertWebhooks",
    }


@pytest.mark.parametrize("key", sorted(secret_aliases()))
@pytest.mark.parametrize(("kind", "text", "shape"), MALFORMED, ids=[m[0] for m in MALFORMED])
def test_a_malformed_secret_is_named_and_never_shown(key, kind, text, shape):
    with pytest.raises(SettingsError) as raised:
        make_settings(**{key: text})
    message = str(raised.value)
    assert f"{P}:{key}" in message
    assert shape in message
    assert MARKER not in message
    assert MARKER not in "".join(traceback.format_exception(raised.value))


@pytest.mark.parametrize("key", sorted(secret_aliases()))
def test_valid_secrets_beside_a_bad_one_are_not_shown_either(key):
    valid = VALID_EMAIL if "Emails" in key else VALID_WEBHOOK
    with pytest.raises(SettingsError) as raised:
        make_settings(**{key: json.dumps([valid, "bad"])})
    assert f"{P}:{key}[1]" in str(raised.value)
    assert MARKER not in str(raised.value)


def test_the_program_fails_without_showing_the_secret():
    """What `pulumi preview` prints: the program's exception with its whole chain."""
    with pytest.raises(StackRunError) as raised:
        run_stack("dev", {f"{P}:criticalAlertEmails": f'["{MARKER}@example.com", 7'})
    assert raised.value.resources == []
    printed = "".join(traceback.format_exception(raised.value))
    assert f"{P}:criticalAlertEmails: must be a JSON list, got <secret>" in printed
    assert MARKER not in printed
