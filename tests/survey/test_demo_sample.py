"""The demo sample: loaded into an empty database, marked as sample, replaced by real answers."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from bot.storage.conversations import Store
from bot.survey.compose import DigestComposer
from bot.survey.context import SurveyContext
from bot.survey.importer import import_survey


def test_demo_sample_fills_an_empty_database_and_yields_to_real_answers(
    ctx: SurveyContext, tmp_path: Path
) -> None:
    ctx.settings = replace(ctx.settings, demo_sample=True)
    loaded = ctx.ensure_demo_sample()
    assert loaded > 100
    assert ctx.ensure_demo_sample() == 0  # only into an empty database
    service = DigestComposer(ctx, Store(ctx.engine))
    by_pref, region = service.summaries()
    assert region.sample and by_pref["27"].sample
    digest = service.compose("27", ctx_now(ctx), chart=False).digest
    assert "サンプルデータ（架空の値）" in digest.text
    # the modal is never pre-filled with invented answers
    assert ctx.answers.latest_for("27211", include_sample=False) is None

    real = tmp_path / "real.csv"
    real.write_text(
        "市町村名,"
        + ",".join(str(n) for n in range(1, 26))
        + "\n茨木市,"
        + ",".join(["1"] * 25)
        + "\n",
        encoding="utf-8",
    )
    import_survey(ctx.answers, ctx.survey, ctx.places, real)
    by_pref, region = service.summaries()
    assert not region.sample
    assert set(ctx.answers.latest()) == {"27211"}  # sample rows no longer count


def ctx_now(ctx: SurveyContext):  # type: ignore[no-untyped-def]
    from datetime import datetime

    return datetime(2026, 12, 7, 9, 0, tzinfo=ctx.tz)
