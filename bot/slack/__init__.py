"""The Slack adapter: Block Kit rendering, the conversation flow over Slack, the benchmark."""
