"""IAM inventory: one typed, frozen `IamSnapshot` per AWS account / GCP project, from files or the API."""
