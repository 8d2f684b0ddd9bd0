from tests.aws_server import aws_endpoint, moto_server  # noqa: F401  (the corpus names one S3 object)
