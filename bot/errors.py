"""Errors whose message is meant for the user (Japanese, says what and where)."""


class UserError(Exception):
    """Printed as-is by the CLI with exit code 2; never shown as a traceback."""
