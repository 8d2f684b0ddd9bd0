"""Customer-managed IAM policies that are administrator access in all but name (issue 11 §2)."""
