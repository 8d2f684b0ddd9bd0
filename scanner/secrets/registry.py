"""Engines a detector file may name (`engine:`). A plain dict: what you read is what runs."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from scanner.secrets.assignment import AssignmentDetector
from scanner.secrets.aws import AwsKeyDetector
from scanner.secrets.gcp import GcpServiceAccountKeyDetector
from scanner.secrets.model import Detector, DetectorSpec
from scanner.secrets.pem import PrivateKeyDetector
from scanner.secrets.regex_detector import RegexDetector

ENGINES: Mapping[str, Callable[[DetectorSpec], Detector]] = {
    "regex": RegexDetector,
    "aws_keys": AwsKeyDetector,
    "gcp_service_account": GcpServiceAccountKeyDetector,
    "private_key": PrivateKeyDetector,
    "assignment": AssignmentDetector,
}
