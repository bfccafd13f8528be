"""``python -m bot.cli`` runs ``hintbot`` (tests and benchmarks start it this way)."""

import sys

from bot.cli import main

sys.exit(main())
