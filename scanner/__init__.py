"""auditwarden: cloud audit-log provenance, privilege and leaked-key scanner."""

__version__ = "0.1.0"
