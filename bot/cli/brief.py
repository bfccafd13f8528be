"""Brief and visit commands: ``brief``, ``visit add``, ``visit list``.

The command line runs as an operator: every brief includes the visit records, and no role is
checked (Slack checks roles). An ambiguous name (太子町, 美浜町) takes ``--prefecture`` or, on a
terminal, is asked; an unknown name is answered with the nearest names.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from bot.cli.base import Subcommands, add_command, add_group
from bot.errors import UserError
from bot.settings import Settings


def _service(settings: Settings) -> Any:
    from bot.brief.service import BriefService
    from bot.storage.db import make_engine
    from bot.storage.schema import ensure_schema

    engine = make_engine(settings.database_url)
    ensure_schema(engine)
    return BriefService.load(settings, engine)


def register(sub: Subcommands) -> None:
    p = add_command(
        sub,
        "brief",
        help="市町村支援ブリーフ（概況・課題・問いかけ・相談・訪問記録）を表示・書き出します",
        description=(
            "訪問や助言の前に、市町村の指標（府県内の位置）、課題認識アンケートで当てはまるとした項目、"
            "それに答えるヒントカードの問いかけと対策、職員のボットへの相談（過去90日・カード別件数）、"
            "訪問記録と次回の検討会を1つにまとめます。例: hintbot brief 茨木市 --pdf 茨木市.pdf / "
            "hintbot brief --prefecture 奈良県 --pdf 奈良県.pdf / hintbot brief --prefecture 奈良県 --split 出力先"
        ),
        handler=cmd_brief,
    )
    p.add_argument("municipality", nargs="?", help="市町村名（例: 茨木市、大阪府太子町）")
    p.add_argument(
        "--prefecture",
        help="府県名。市町村名と一緒なら同名の町村の区別に、単独ならその府県の全市町村",
    )
    p.add_argument("--all", action="store_true", help="近畿2府5県の全市町村（215）")
    p.add_argument("--pdf", type=Path, metavar="FILE", help="A4 の PDF に書き出します")
    p.add_argument("--markdown", type=Path, metavar="FILE", help="Markdown に書き出します")
    p.add_argument(
        "--split",
        type=Path,
        metavar="DIR",
        help="市町村ごとに1つずつ PDF を書き出すフォルダ（府県・全体のとき）",
    )

    visit = add_group(sub, "visit", help="訪問記録を記録・一覧します", dest="visit_cmd")
    p = add_command(
        visit,
        "add",
        help="訪問記録を1件記録します（未来の日付は予定として記録）",
        description='例: hintbot visit add 茨木市 --date 2026-12-03 --note "担い手の確保について協議"',
        handler=cmd_visit_add,
    )
    p.add_argument("municipality", help="市町村名（例: 茨木市、大阪府太子町）")
    p.add_argument("--date", required=True, help="訪問日（YYYY-MM-DD）")
    p.add_argument("--note", required=True, help="確認したこと・合意したことなど")
    p.add_argument("--prefecture", help="同名の町村（太子町・美浜町）の府県")
    p.add_argument("--by", help="記録者の Slack メンバーID（任意。例: U0123ABCD）")
    p = add_command(
        visit, "list", help="市町村の訪問記録を新しい順に表示します", handler=cmd_visit_list
    )
    p.add_argument("municipality", help="市町村名")
    p.add_argument("--prefecture", help="同名の町村（太子町・美浜町）の府県")


def resolve(service: Any, name: str, prefecture: str | None) -> str:
    """The municipality's code; on a terminal an ambiguous name is asked."""
    from bot.brief.places import AmbiguousPlace

    try:
        return str(service.resolve(name, prefecture))
    except AmbiguousPlace as exc:
        if not sys.stdin.isatty():
            raise
        print(f"「{exc.name}」は複数の府県にあります。番号で選んでください。")
        for i, code in enumerate(exc.candidates, 1):
            print(f"  [{i}] {service.label(code)}")
        while True:
            print("> ", end="", flush=True)
            answer = sys.stdin.readline().strip()
            if not answer:
                raise UserError("選択されなかったため中止しました。") from None
            if answer.isdigit() and 1 <= int(answer) <= len(exc.candidates):
                return str(exc.candidates[int(answer) - 1])
            print(f"1〜{len(exc.candidates)} の番号で答えてください。")


def cmd_brief(args: argparse.Namespace, settings: Settings) -> int:
    from bot.brief.pdf import write_pdf
    from bot.brief.text import markdown, plain

    if args.municipality and args.all:
        raise UserError("市町村名と --all は同時に指定できません。")
    if not args.municipality and not (args.prefecture or args.all):
        raise UserError(
            "市町村名（例: hintbot brief 茨木市）か、--prefecture 府県名 / --all を指定してください。"
        )
    if args.municipality and args.split:
        raise UserError("--split は府県（--prefecture）か --all と一緒に使います。")
    svc = _service(settings)
    if args.municipality:
        codes = [resolve(svc, args.municipality, args.prefecture)]
        title = None
    elif args.all:
        codes = svc.municipalities()
        title = f"市町村支援ブリーフ 近畿2府5県（{len(codes)}市町村）"
    else:
        pc = svc.prefecture(args.prefecture)
        codes = svc.municipalities([pc])
        title = f"市町村支援ブリーフ {svc.survey.places.pref_name(pc)}（{len(codes)}市町村）"
    briefs = svc.briefs(codes)
    wrote = False
    if args.pdf:
        pages = write_pdf(briefs, args.pdf, title=title)
        print(f"{args.pdf} に書き出しました（{len(briefs)}市町村、{pages}ページ）。")
        wrote = True
    if args.split:
        args.split.mkdir(parents=True, exist_ok=True)
        for b in briefs:
            write_pdf([b], args.split / f"{b.code5}_{b.pref_name}{b.name}.pdf")
        print(f"{args.split} に {len(briefs)} 件の PDF を書き出しました。")
        wrote = True
    if args.markdown:
        args.markdown.parent.mkdir(parents=True, exist_ok=True)
        args.markdown.write_text(markdown(briefs), encoding="utf-8")
        print(f"{args.markdown} に Markdown で書き出しました（{len(briefs)}市町村）。")
        wrote = True
    if not wrote:
        print("\n\n".join(plain(b) for b in briefs))
    return 0


def cmd_visit_add(args: argparse.Namespace, settings: Settings) -> int:
    from bot.storage.visits import clean_note
    from bot.survey.channels import parse_date
    from bot.survey.registry import check_user_id
    from bot.survey.schedule import fmt_date

    day = parse_date(args.date)
    clean_note(args.note)  # an empty note is refused before anything is loaded
    by = check_user_id(args.by) if args.by else None
    svc = _service(settings)
    code5 = resolve(svc, args.municipality, args.prefecture)
    visit = svc.add_visit(code5, day, args.note, by=by, via="cli")
    kind = "予定" if visit.planned(svc.today()) else "訪問"
    print(
        f"{svc.label(code5)} の{kind}（{fmt_date(visit.day)}）を記録しました（記録番号 {visit.id}）。"
    )
    return 0


def cmd_visit_list(args: argparse.Namespace, settings: Settings) -> int:
    from bot.survey.schedule import fmt_date

    svc = _service(settings)
    code5 = resolve(svc, args.municipality, args.prefecture)
    visits = svc.visit_list(code5)
    if not visits:
        print(
            f"{svc.label(code5)} の訪問記録はまだありません（hintbot visit add で記録できます）。"
        )
        return 0
    today = svc.today()
    print(f"{svc.label(code5)} の訪問記録（{len(visits)}件、新しい順）")
    for v in visits:
        mark = "（予定）" if v.planned(today) else ""
        who = v.recorded_by or "コマンド"
        print(f"{fmt_date(v.day)}{mark}\t{v.note}\t（記録: {who}、{v.recorded_at:%Y-%m-%d}）")
    return 0
