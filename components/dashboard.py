"""PipelineDashboard: the CloudWatch dashboard built from `dashboard_body`."""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws

from . import arns
from .dashboard_body import dashboard_body
from .replacement import fixed_identity
from .settings import Settings


class PipelineDashboard(pulumi.ComponentResource):
    """`sfuser:monitoring:PipelineDashboard`."""

    dashboard: aws.cloudwatch.Dashboard
    url: str

    def __init__(
        self, name: str, settings: Settings, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("sfuser:monitoring:PipelineDashboard", name, None, opts)
        self.dashboard = aws.cloudwatch.Dashboard(
            f"{name}-dashboard",
            dashboard_name=arns.dashboard_name(settings),
            dashboard_body=json.dumps(dashboard_body(settings)),
            opts=fixed_identity(self),  # its URL is in every alert
        )
        self.url = arns.dashboard_url(settings)
        self.register_outputs({"dashboardName": arns.dashboard_name(settings), "url": self.url})
