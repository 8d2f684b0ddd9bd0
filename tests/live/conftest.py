from tests.aws_server import aws_endpoint, moto_server  # noqa: F401  (fixtures for S3/SQS/DynamoDB tests)
