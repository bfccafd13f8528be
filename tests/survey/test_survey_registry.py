"""Who is who: requests, approval rights, the CSV import and bootstrapping the first admin."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import build_parser
from bot.errors import UserError
from bot.settings import Settings
from bot.survey.context import SurveyContext


def test_request_then_approval_by_the_prefectures_admin(ctx: SurveyContext) -> None:
    reg = ctx.registry
    reg.set("U0BUREAU", role="bureau")
    reg.set("U0OSAKA", role="prefecture", place="大阪府", admin=True)
    reg.set("U0HYOGO", role="prefecture", place="兵庫県", admin=True)
    reg.set("U0OSAKA2", role="prefecture", place="大阪府")  # staff, not admin
    m = reg.request("U0IBARAKI", "茨木市")
    assert (m.status, m.role, m.code5, m.pref_code) == ("pending", "municipal", "27211", "27")
    assert set(reg.approvers_for(m)) == {"U0BUREAU", "U0OSAKA"}
    for outsider in ("U0HYOGO", "U0OSAKA2", "U0NOBODY"):
        with pytest.raises(UserError, match="権限がありません"):
            reg.decide(outsider, "U0IBARAKI", True)
    done = reg.decide("U0OSAKA", "U0IBARAKI", True)
    assert done.approved and done.decided_by == "U0OSAKA"
    with pytest.raises(UserError, match="すでに処理されています"):
        reg.decide("U0BUREAU", "U0IBARAKI", False)
    assert "U0IBARAKI" in reg.users_of_prefecture("27")


def test_permissions_to_see_a_municipalitys_answers(ctx: SurveyContext) -> None:
    reg = ctx.registry
    muni = reg.set("U0A", role="municipal", place="茨木市")
    pref = reg.set("U0B", role="prefecture", place="大阪府")
    other = reg.set("U0C", role="prefecture", place="兵庫県")
    bureau = reg.set("U0D", role="bureau")
    assert muni.can_view_municipality("27211", "27")
    assert not muni.can_view_municipality("27205", "27")
    assert pref.can_view_municipality("27205", "27")
    assert not other.can_view_municipality("27211", "27")
    assert bureau.can_view_municipality("28205", "28")


def test_bad_requests_say_what_is_wrong(ctx: SurveyContext) -> None:
    with pytest.raises(UserError, match="複数の府県"):
        ctx.registry.request("U0X", "美浜町")
    with pytest.raises(UserError, match="見つかりません"):
        ctx.registry.request("U0X", "どこか市")
    with pytest.raises(UserError, match="メンバーIDの形式"):
        ctx.registry.set("bob", role="bureau")
    with pytest.raises(UserError, match="役割"):
        ctx.registry.set("U0X", role="mayor", place="茨木市")


def test_csv_import_is_all_or_nothing(ctx: SurveyContext, tmp_path: Path) -> None:
    f = tmp_path / "members.csv"
    f.write_text(
        "user_id,role,municipality,prefecture,admin\n"
        "U0A1,municipal,茨木市,,\n"
        "U0A2,prefecture,,奈良県,1\n"
        "U0A3,municipal,太子町,,\n",
        encoding="utf-8",
    )
    with pytest.raises(UserError) as e:
        ctx.registry.import_csv(f)
    assert "members.csv 4行目" in str(e.value) and "登録内容は変更していません" in str(e.value)
    assert ctx.registry.members() == []
    f.write_text(f.read_text(encoding="utf-8").replace("太子町", "兵庫県太子町"), encoding="utf-8")
    assert ctx.registry.import_csv(f) == 3
    assert ctx.registry.get("U0A3").code5 == "28464"  # type: ignore[union-attr]
    assert ctx.registry.get("U0A2").is_admin  # type: ignore[union-attr]


def test_cli_bootstraps_the_first_bureau_admin(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path}/cli.sqlite3", chart_dir=tmp_path)
    parser = build_parser()

    def run(*argv: str) -> int:
        args = parser.parse_args(list(argv))
        return int(args.handler(args, settings))

    assert run("registry", "set", "U0BUREAU", "--role", "bureau") == 0
    assert run("registry", "set", "U0IB", "--municipality", "茨木市") == 0
    assert run("registry", "list") == 0
    out = capsys.readouterr().out
    assert "U0BUREAU\t近畿厚生局の厚生局（管理者）\t承認済み" in out
    assert "U0IB\t大阪府茨木市の市町村職員\t承認済み" in out
