"""Evaluating audit events as they arrive (the Lambda and the Cloud Function share this core).

The handlers in `scanner.handlers` only parse their trigger into units (one SQS message, one
EventBridge event, one Pub/Sub message) and answer the platform; everything else is here.
"""
