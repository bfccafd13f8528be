"""Developer tool: ``python -m bot.storage.migrations revision -m "add survey tables"``.

Autogenerates the next revision by comparing the models with a scratch SQLite database
upgraded to the current head (no server needed). Review the file before committing: check
renames (autogenerate sees drop + add), data moves, and that it runs on PostgreSQL too
(``make test-postgres``). Revision ids stay within 32 characters (alembic_version).
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from alembic import command

from bot.storage import migrations
from bot.storage.db import make_engine


def next_rev_id(message: str) -> str:
    number = len(migrations.revisions_between(None, migrations.head())) + 1
    slug = re.sub(r"[^a-z0-9]+", "_", message.lower()).strip("_") or "change"
    return f"{number:04d}_{slug}"[:32].rstrip("_")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.storage.migrations")
    sub = parser.add_subparsers(dest="cmd", required=True)
    rev = sub.add_parser("revision", help="autogenerate the next migration from the models")
    rev.add_argument("-m", "--message", required=True, help="what the migration changes")
    rev.add_argument("--rev-id", help="revision id (default: 0002_<message>)")
    rev.add_argument("--empty", action="store_true", help="an empty revision to fill by hand")
    args = parser.parse_args(argv)
    rev_id = args.rev_id or next_rev_id(args.message)
    if len(rev_id) > 32:
        print(f"revision id longer than 32 characters: {rev_id}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="hintbot-rev-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'head.sqlite3'}"
        engine = make_engine(url)
        migrations.upgrade(engine)
        engine.dispose()
        command.revision(
            migrations.config(url=url),
            message=args.message,
            autogenerate=not args.empty,
            rev_id=rev_id,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
