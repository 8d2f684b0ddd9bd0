terraform {
  # 1.7: `mock_provider` in terraform test (tests/*.tftest.hcl)
  required_version = ">= 1.7"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.40, < 6.0"
    }
  }
}
