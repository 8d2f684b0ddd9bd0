"""Deploy provenance: artifact pushes and deploys only from the expected CI/CD principals.

catalog.py  the deploy catalog (rules/catalogs/deploy.yaml) as typed entries
policy.py   `deploy_policy` from auditwarden.yaml, validated with file:line errors
globs.py    ArnLike and plain glob matching shared by detection and export
judge.py    one event against one policy: allowed, or which rule it breaks
oidc.py     AWS session → OIDC subject links kept in the state store
detector.py the Detector the scan runs; findings.py builds its findings
export.py   the same allowlist as an AWS SCP and a GCP IAM deny policy; command.py is its CLI
"""
