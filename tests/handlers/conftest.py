import contextlib

import pytest

from tests.aws_server import aws_endpoint, moto_server  # noqa: F401  (S3/SQS/DynamoDB on moto's server)

with contextlib.suppress(ImportError, pytest.skip.Exception):  # Firestore fake, when the [gcp] extra is there
    from tests.state.firestore_fake import firestore_client  # noqa: F401
