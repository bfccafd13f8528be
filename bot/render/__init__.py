"""Plain-text rendering of reply values (terminal, JSON lines, Slack fallback text)."""
