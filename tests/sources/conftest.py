from tests.aws_server import aws_endpoint, moto_server  # noqa: F401  (fixtures for the S3 tests)
