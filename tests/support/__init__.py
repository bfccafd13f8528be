"""A local Slack for tests and the benchmark (never the real Slack)."""
