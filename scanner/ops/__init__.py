"""Operating concerns: run statistics, dead letters, structured logs, terminal safety."""
