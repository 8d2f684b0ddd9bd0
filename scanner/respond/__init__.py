"""Response: findings in, policy-gated revocations out (DESIGN.md §1 `respond/`).

`triggers` says which findings may lead to which action and where the target is read from; `gate`
holds the rails (mode, severity floor, protected principals, switched-off actions); `ledger` is the
audit trail and the hourly circuit breaker in the state store; `aws` and `gcp` resolve ownership and
act through injected clients; `engine` runs one request through all of them; `command` is the CLI.
"""
