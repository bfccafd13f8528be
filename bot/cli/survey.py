"""Survey commands: ``import survey``, ``registry``, ``channel``, ``meeting``, ``digest``, ``clock``.

Every failure is a Japanese message with exit code 2 (``UserError``), never a traceback.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.cli.base import Subcommands, add_command, add_group, import_group
from bot.errors import UserError
from bot.settings import Settings


def _context(settings: Settings, *, demo: bool = True) -> Any:
    """The survey over the settings' database; ``demo`` loads the demo sample into a database
    without answers (not for an import: a rejected import must change nothing at all)."""
    from bot.storage.db import make_engine
    from bot.storage.schema import ensure_schema
    from bot.survey.context import SurveyContext

    engine = make_engine(settings.database_url)
    ensure_schema(engine)
    ctx = SurveyContext(settings, engine)
    if demo:
        ctx.ensure_demo_sample()
    return ctx


def register(sub: Subcommands) -> None:
    imp = add_command(
        import_group(sub),
        "survey",
        help="課題認識アンケートの回答（CSV/Excel）を取り込みます",
        description=(
            "市町村課題認識アンケートの回答を取り込みます。CSV（UTF-8/CP932）か Excel（.xlsx）。"
            "横持ち（1行1市町村、項目ごとに1列）か縦持ち（市町村, 項目, 回答）。回答は「とても当てはまる」"
            "などの言葉か 1〜4。1行でも誤りがあればファイル全体を取り込みません。"
        ),
        handler=cmd_import,
    )
    imp.add_argument("file", type=Path, help="ファイル（.csv / .xlsx）")
    imp.add_argument("--sample", action="store_true", help="サンプル（架空の値）として取り込みます")

    reg = add_group(
        sub,
        "registry",
        help="Slack 利用者の所属（市町村・府県・厚生局）を登録・一覧します",
        dest="registry_cmd",
    )
    p = add_command(reg, "list", help="登録の一覧を表示します", handler=cmd_registry_list)
    p.add_argument("--pending", action="store_true", help="承認待ちだけを表示します")
    p = add_command(
        reg,
        "set",
        help="利用者を登録します（最初の厚生局管理者の登録にも使います）",
        description="例: hintbot registry set U0123ABCD --role bureau / "
        "hintbot registry set U0456 --municipality 茨木市 --role municipal",
        handler=cmd_registry_set,
    )
    p.add_argument("user", help="Slack のメンバーID（例: U0123ABCD）")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--municipality", help="市町村名（例: 茨木市、大阪府太子町）")
    where.add_argument("--prefecture", help="府県名（例: 大阪府）")
    p.add_argument(
        "--role",
        default=None,
        help="municipal（市町村職員）/ prefecture（府県職員）/ bureau（厚生局）",
    )
    p.add_argument(
        "--admin", action="store_true", help="府県の管理者にします（申請を承認できます）"
    )
    p = add_command(
        reg,
        "import",
        help="CSV（user_id, role, municipality, prefecture, admin）から登録します",
        handler=cmd_registry_import,
    )
    p.add_argument("file", type=Path)
    p = add_command(reg, "remove", help="登録を削除します", handler=cmd_registry_remove)
    p.add_argument("user")

    ch = add_group(
        sub,
        "channel",
        help="府県ごとのダイジェストの投稿先チャンネルを設定します",
        dest="channel_cmd",
    )
    p = add_command(
        ch,
        "set",
        help="投稿先を設定します（例: hintbot channel set 大阪府 C0123ABCD）",
        handler=cmd_channel_set,
    )
    p.add_argument("prefecture")
    p.add_argument("channel")
    add_command(ch, "list", help="投稿先の一覧を表示します", handler=cmd_channel_list)
    p = add_command(ch, "remove", help="投稿先の設定を削除します", handler=cmd_channel_remove)
    p.add_argument("prefecture")

    mt = add_group(sub, "meeting", help="市町村支援策検討会の日程を登録します", dest="meeting_cmd")
    for name, fn, text in (
        ("add", cmd_meeting_add, "検討会を登録します（例: hintbot meeting add 2026-12-02）"),
        ("remove", cmd_meeting_remove, "検討会の登録を削除します"),
    ):
        p = add_command(mt, name, help=text, handler=fn)
        p.add_argument("date", help="開催日（YYYY-MM-DD）")
        p.add_argument("--prefecture", help="特定の府県の検討会のとき、その府県名")
    add_command(mt, "list", help="登録された検討会の一覧を表示します", handler=cmd_meeting_list)

    dg = add_command(
        sub,
        "digest",
        help="府県ごとのアンケートのダイジェストを表示・投稿します",
        description=(
            "--dry-run は投稿せずに内容を表示し、グラフのファイルを書き出します。"
            "--now は今の枠（週次、または検討会前）のダイジェストを投稿します（SLACK_BOT_TOKEN が必要）。"
            "同じ枠に投稿済みのときは投稿しません。--force で改めて投稿します。"
        ),
        handler=cmd_digest,
    )
    who = dg.add_mutually_exclusive_group(required=True)
    who.add_argument("--prefecture", help="府県名（例: 大阪府）")
    who.add_argument("--all", action="store_true", help="投稿先が設定されたすべての府県")
    mode = dg.add_mutually_exclusive_group(required=True)
    mode.add_argument("--dry-run", action="store_true", help="投稿せずに表示します")
    mode.add_argument("--now", action="store_true", help="今の枠のダイジェストを投稿します")
    dg.add_argument("--force", action="store_true", help="投稿済みの枠でも改めて投稿します")

    add_command(
        sub,
        "clock",
        help="ダイジェストを予定どおり投稿するスケジューラーを動かします（Procfile の clock）",
        handler=cmd_clock,
    )


# -- import ---------------------------------------------------------------------------------
def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    from bot.survey.importer import import_survey

    # no demo sample first: the file is checked whole, then stored in one transaction, so a
    # rejected file leaves the database exactly as it was (and real answers replace the demo)
    ctx = _context(settings, demo=False)
    res = import_survey(ctx.answers, ctx.survey, ctx.places, args.file, sample=args.sample)
    layout = "横持ち" if res.layout == "wide" else "縦持ち"
    print(f"{res.file} を取り込みました（{layout}）: {res.responses} 市町村の回答。")
    if res.unanswered_cells:
        print(f"空欄（未回答の項目）: {res.unanswered_cells} 件")
    if res.sample:
        print("※サンプルデータ（架空の値）として保存しました。ダイジェストにもその旨を表示します。")
    return 0


# -- registry -------------------------------------------------------------------------------
def cmd_registry_list(args: argparse.Namespace, settings: Settings) -> int:
    from bot.survey.registry import STATUS_LABELS

    ctx = _context(settings)
    members = ctx.registry.members("pending" if args.pending else None)
    if not members:
        print("登録はまだありません。" if not args.pending else "承認待ちの申請はありません。")
        return 0
    for m in members:
        print(f"{m.user_id}\t{ctx.registry.describe(m)}\t{STATUS_LABELS[m.status]}")
    return 0


def cmd_registry_set(args: argparse.Namespace, settings: Settings) -> int:
    ctx = _context(settings)
    role = args.role or (
        "prefecture" if args.prefecture else "municipal" if args.municipality else None
    )
    if role is None:
        raise UserError("--role か、--municipality / --prefecture を指定してください。")
    m = ctx.registry.set(
        args.user, role=role, place=args.municipality or args.prefecture, admin=args.admin
    )
    print(f"{m.user_id} を {ctx.registry.describe(m)} として登録しました（承認済み）。")
    return 0


def cmd_registry_import(args: argparse.Namespace, settings: Settings) -> int:
    ctx = _context(settings)
    n = ctx.registry.import_csv(args.file)
    print(f"{args.file.name} から {n} 人を登録しました（承認済み）。")
    return 0


def cmd_registry_remove(args: argparse.Namespace, settings: Settings) -> int:
    from bot.survey.registry import check_user_id

    ctx = _context(settings)
    user = check_user_id(args.user)
    if not ctx.registry.remove(user):
        raise UserError(f"{user} は登録されていません。")
    print(f"{user} の登録を削除しました。")
    return 0


# -- channels and meetings ------------------------------------------------------------------
def cmd_channel_set(args: argparse.Namespace, settings: Settings) -> int:
    ctx = _context(settings)
    pc = ctx.places.pref_code_of(args.prefecture)
    ctx.channels.set(pc, args.channel)
    print(
        f"{ctx.places.pref_name(pc)} のダイジェストを {ctx.channels.get(pc)} に投稿します。"
        "ボットをそのチャンネルに招待してください（/invite @hintbot）。"
    )
    return 0


def cmd_channel_list(args: argparse.Namespace, settings: Settings) -> int:
    ctx = _context(settings)
    rows = ctx.channels.all()
    if not rows:
        print("投稿先はまだ設定されていません（hintbot channel set 大阪府 C0123ABCD）。")
    for pc, cid in rows.items():
        print(f"{ctx.places.pref_name(pc)}\t{cid}")
    return 0


def cmd_channel_remove(args: argparse.Namespace, settings: Settings) -> int:
    ctx = _context(settings)
    pc = ctx.places.pref_code_of(args.prefecture)
    if not ctx.channels.remove(pc):
        raise UserError(f"{ctx.places.pref_name(pc)} の投稿先は設定されていません。")
    print(f"{ctx.places.pref_name(pc)} の投稿先の設定を削除しました。")
    return 0


def cmd_meeting_add(args: argparse.Namespace, settings: Settings) -> int:
    from bot.survey.channels import parse_date
    from bot.survey.schedule import fmt_date

    ctx = _context(settings)
    day = parse_date(args.date)
    pc = ctx.places.pref_code_of(args.prefecture) if args.prefecture else ""
    who = ctx.places.pref_name(pc) if pc else "全府県"
    if not ctx.meetings.add(day, pc):
        print(f"{fmt_date(day)}（{who}）の検討会はすでに登録されています。")
        return 0
    print(
        f"{fmt_date(day)}（{who}）の検討会を登録しました。{settings.digest_days_before}日前に"
        "ダイジェストを投稿します。"
    )
    return 0


def cmd_meeting_remove(args: argparse.Namespace, settings: Settings) -> int:
    from bot.survey.channels import parse_date

    ctx = _context(settings)
    day = parse_date(args.date)
    pc = ctx.places.pref_code_of(args.prefecture) if args.prefecture else ""
    if not ctx.meetings.remove(day, pc):
        raise UserError(f"{day.isoformat()} の検討会は登録されていません。")
    print(f"{day.isoformat()} の検討会の登録を削除しました。")
    return 0


def cmd_meeting_list(args: argparse.Namespace, settings: Settings) -> int:
    from bot.survey.schedule import fmt_date

    ctx = _context(settings)
    meetings = ctx.meetings.all()
    if not meetings:
        print("検討会はまだ登録されていません（hintbot meeting add 2026-12-02）。")
    for m in meetings:
        who = ctx.places.pref_name(m.pref_code) if m.pref_code else "全府県"
        print(f"{fmt_date(m.day)}\t{who}")
    return 0


# -- digest and clock -----------------------------------------------------------------------
def cmd_digest(args: argparse.Namespace, settings: Settings) -> int:
    from bot.slack.client import SlackConfigError
    from bot.slack.digest_poster import make_digest_poster
    from bot.storage.conversations import Store
    from bot.survey.compose import DigestComposer
    from bot.survey.posting import DigestService

    ctx = _context(settings)
    composer = DigestComposer(ctx, Store(ctx.engine))
    now = datetime.now(UTC)
    if args.all:
        prefs = sorted(ctx.channels.all())
        if not prefs:
            raise UserError(
                "投稿先のチャンネルが1つも設定されていません（hintbot channel set 大阪府 C0123ABCD）。"
            )
    else:
        prefs = [ctx.places.pref_code_of(args.prefecture)]
    if args.dry_run:
        summaries = composer.summaries(prefs)
        for pc in prefs:
            composed = composer.compose(pc, now, summaries=summaries)
            print(composed.digest.text)
            print(f"\nグラフ: {composed.chart_path}")
            channel = ctx.channels.get(pc)
            print(f"（投稿先: {channel or '未設定'}。--dry-run のため投稿していません）\n")
        return 0
    try:
        poster = make_digest_poster(settings)
    except SlackConfigError as exc:
        raise UserError(str(exc)) from exc
    service = DigestService(ctx, poster, Store(ctx.engine))
    failed = 0
    summaries = service.summaries(prefs)
    for pc in prefs:
        if ctx.channels.get(pc) is None:
            failed += 1
            print(
                f"{ctx.places.pref_name(pc)}: 投稿先のチャンネルが設定されていません"
                f"（hintbot channel set {ctx.places.pref_name(pc)} C0123ABCD）。"
            )
            continue
        slot = service.current(pc, now)
        o = service.run_slot(pc, slot.key, now, force=args.force, summaries=summaries)
        name = ctx.places.pref_name(pc)
        if o.status == "posted":
            print(f"{name}: {slot.key} を投稿しました（{o.attempt}回目、ts={o.ts}）。{o.detail}")
        elif o.status == "skipped":
            print(
                f"{name}: {slot.key} は投稿済みか投稿中のため投稿しませんでした。改めて投稿するには --force を付けてください。"
            )
        else:
            failed += 1
            print(
                f"{name}: {slot.key} の投稿に失敗しました（{o.detail}）。次の実行で再試行します。"
            )
    return 1 if failed else 0


def cmd_clock(args: argparse.Namespace, settings: Settings) -> int:
    from bot.slack.client import SlackConfigError
    from bot.slack.digest_poster import make_digest_poster
    from bot.survey.clock import run_clock

    try:
        return run_clock(settings, make_digest_poster)
    except SlackConfigError as exc:
        raise UserError(str(exc)) from exc
