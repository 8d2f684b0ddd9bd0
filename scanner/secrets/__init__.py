"""Leaked-credential scanning of source trees, the git index and git history (`auditwarden secrets`).

Detectors are data (rules/secrets/*.yaml); the few that data cannot express (AWS key pairing, GCP
service-account key files, PEM private keys, secret-named assignments) are small classes in this
package, registered by name in `registry.ENGINES`. Nothing here imports boto3 or a cloud client:
this path runs in a pre-commit hook, where start-up time is the budget.
"""
