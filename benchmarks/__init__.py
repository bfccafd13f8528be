"""Everything `make bench` runs; kept outside the shipped packages."""
