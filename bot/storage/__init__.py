"""Storage: the database, its migrations and the repositories that implement the ports."""
