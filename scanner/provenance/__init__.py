"""Deploy provenance: artifact pushes and deploys only from the expected CI/CD principals.

catalog.py  the deploy catalog (rules/catalogs/deploy.yaml) as typed entries
policy.py   `deploy_policy` from auditwarden.yaml, validated with file:line errors
globs.py    ArnLike and plain glob matching shared by detection and export
judge.py    one event against one policy: allowed, or which rule it breaks
origin.py   who is behind a call: the origin of a role session or impersonation chain
sessions.py AWS session → origin links (AssumeRole*, role chaining) kept in the state store
resources.py resolvers that turn a deploy's resource into the one name policies are written against
detector.py the Detector the scan runs; findings.py builds its findings
export.py   the same allowlist as an AWS SCP and a GCP IAM deny policy; command.py is its CLI
"""
