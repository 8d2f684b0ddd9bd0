# The nightly artifact: the same handler with the [report,anomaly] extras (pandas, pyod, jinja2),
# which the event-path zip leaves out. Build after `make package` (it writes the wheel to dist/):
#
#   docker build -f packaging/nightly.Dockerfile -t auditwarden-nightly .
#   docker tag auditwarden-nightly <account>.dkr.ecr.<region>.amazonaws.com/auditwarden-nightly:<version>
#   docker push …   and set nightly_image_uri in terraform/aws
#
# The Python version follows python_runtime in terraform/aws/variables.tf.
FROM public.ecr.aws/lambda/python:3.12

COPY dist/auditwarden-*-py3-none-any.whl /tmp/
RUN pip install --no-cache-dir "$(ls /tmp/auditwarden-*.whl)[report,anomaly]" && rm /tmp/auditwarden-*.whl

CMD ["scanner.handlers.aws_lambda.handler"]
