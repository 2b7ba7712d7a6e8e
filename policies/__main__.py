"""CrossGuard entry point: `pulumi preview --policy-pack policies` runs this file."""

import sys
from pathlib import Path

from pulumi_policy import PolicyPack

sys.path.insert(0, str(Path(__file__).resolve().parent))  # for sfuser_guardrails

from sfuser_guardrails.pack import ENFORCEMENT, PACK_NAME, POLICIES

PolicyPack(name=PACK_NAME, enforcement_level=ENFORCEMENT, policies=POLICIES)
