"""The one place a user's text is prepared: normalisation and readings, once per turn."""
