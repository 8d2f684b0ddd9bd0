import pytest

from tests.aws_server import aws_endpoint, moto_server  # noqa: F401  (DynamoDB on moto's server)

try:  # Firestore on a local gRPC server, when the [gcp] extra is installed
    from tests.state.firestore_fake import firestore_client  # noqa: F401
except (ImportError, pytest.skip.Exception):
    pass
