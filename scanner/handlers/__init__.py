"""The serverless doors: parse the trigger, call `scanner.live`, answer the platform. Nothing else."""
