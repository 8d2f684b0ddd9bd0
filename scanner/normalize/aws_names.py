"""Field tables for CloudTrail: event source → IAM prefix, operation → IAM action, resource keys."""

from __future__ import annotations

import re

#: CloudTrail eventSource host prefix → IAM service prefix, where the two differ.
SOURCE_PREFIX_QUIRKS: dict[str, str] = {
    "monitoring": "cloudwatch",
    "email": "ses",
    "sso-directory": "sso-directory",
    "identitystore": "identitystore",
    "elasticfilesystem": "elasticfilesystem",
    "streams.dynamodb": "dynamodb",
    "api.ecr": "ecr",
    "ecr-public": "ecr-public",
    "api.mediatailor": "mediatailor",
    "execute-api": "execute-api",
    "apigateway": "apigateway",
    "kafka": "kafka",
    "iot-data": "iot",
    "data.iot": "iot",
    "runtime.sagemaker": "sagemaker",
    "bedrock-runtime": "bedrock",
    "logs": "logs",
    "es": "es",
    "signin": "signin",
}

#: (IAM prefix, eventName) → IAM action name, where the API name is not the permission name.
ACTION_RENAMES: dict[tuple[str, str], tuple[str, ...]] = {
    ("s3", "ListObjects"): ("ListBucket",),
    ("s3", "ListObjectsV2"): ("ListBucket",),
    ("s3", "HeadBucket"): ("ListBucket",),
    ("s3", "HeadObject"): ("GetObject",),
    ("s3", "ListObjectVersions"): ("ListBucketVersions",),
    ("s3", "DeleteObjects"): ("DeleteObject",),
    ("s3", "CopyObject"): ("PutObject", "GetObject"),
    ("s3", "CreateMultipartUpload"): ("PutObject",),
    ("s3", "UploadPart"): ("PutObject",),
    ("s3", "UploadPartCopy"): ("PutObject",),
    ("s3", "CompleteMultipartUpload"): ("PutObject",),
    ("s3", "AbortMultipartUpload"): ("AbortMultipartUpload",),
    ("s3", "ListParts"): ("ListMultipartUploadParts",),
    ("s3", "PutBucketLifecycle"): ("PutLifecycleConfiguration",),
    ("s3", "PutBucketLifecycleConfiguration"): ("PutLifecycleConfiguration",),
    ("s3", "GetBucketLifecycle"): ("GetLifecycleConfiguration",),
    ("s3", "GetBucketLifecycleConfiguration"): ("GetLifecycleConfiguration",),
    ("s3", "DeleteBucketLifecycle"): ("PutLifecycleConfiguration",),
    ("s3", "PutBucketNotificationConfiguration"): ("PutBucketNotification",),
    ("s3", "GetBucketNotificationConfiguration"): ("GetBucketNotification",),
    ("s3", "DeleteBucketPolicy"): ("DeleteBucketPolicy",),
    ("s3", "PutBucketEncryption"): ("PutEncryptionConfiguration",),
    ("s3", "GetBucketEncryption"): ("GetEncryptionConfiguration",),
    ("s3", "DeleteBucketEncryption"): ("PutEncryptionConfiguration",),
    ("s3", "PutBucketReplication"): ("PutReplicationConfiguration",),
    ("s3", "GetBucketReplication"): ("GetReplicationConfiguration",),
    ("s3", "DeleteBucketReplication"): ("PutReplicationConfiguration",),
    ("s3", "PutBucketPublicAccessBlock"): ("PutBucketPublicAccessBlock",),
    ("s3", "DeleteBucketPublicAccessBlock"): ("PutBucketPublicAccessBlock",),
    ("s3", "GetBucketPublicAccessBlock"): ("GetBucketPublicAccessBlock",),
    ("s3", "PutObjectLockConfiguration"): ("PutBucketObjectLockConfiguration",),
    ("s3", "DeleteBucketWebsite"): ("DeleteBucketWebsite",),
    ("s3", "DeleteBucketCors"): ("PutBucketCORS",),
    ("s3", "PutBucketCors"): ("PutBucketCORS",),
    ("s3", "GetBucketCors"): ("GetBucketCORS",),
    ("s3", "PutBucketLogging"): ("PutBucketLogging",),
    ("ecr", "PutImage"): ("PutImage",),
}

#: Lambda's API versions leak into CloudTrail event names: UpdateFunctionCode20150331v2.
_VERSION_SUFFIX = re.compile(r"^(?P<name>[A-Za-z]+?)(?P<ver>\d{8}(?:v\d+)?)$")


def strip_version_suffix(name: str) -> str:
    if name and name[-1].isdigit():
        m = _VERSION_SUFFIX.match(name)
        if m:
            return m.group("name")
    return name


def iam_prefix(event_source: str) -> str:
    host = event_source.removesuffix(".amazonaws.com")
    return SOURCE_PREFIX_QUIRKS.get(host, host)


def permissions_for(event_source: str, operation: str) -> tuple[str, ...]:
    if not operation:
        return ()
    prefix = iam_prefix(event_source)
    renamed = ACTION_RENAMES.get((prefix, operation))
    if renamed:
        return tuple(f"{prefix}:{a}" for a in renamed)
    return (f"{prefix}:{operation}",)


#: requestParameters keys that name the resource acted on, in order of preference.
RESOURCE_KEYS: tuple[str, ...] = (
    "roleArn",
    "policyArn",
    "functionName",
    "repositoryName",
    "bucketName",
    "key",
    "userName",
    "roleName",
    "groupName",
    "trailName",
    "name",
    "stackName",
    "instanceId",
    "imageId",
    "snapshotId",
    "dBSnapshotIdentifier",
    "dBClusterSnapshotIdentifier",
    "groupId",
    "clusterName",
    "serviceName",
    "taskDefinition",
    "family",
    "applicationName",
    "pipelineName",
    "projectName",
    "layerName",
    "secretId",
    "keyId",
    "topicArn",
    "queueUrl",
    "trustAnchorId",
    "hostedZoneId",
    "resolverQueryLogConfigId",
    "detectorId",
    "configurationRecorderName",
)
