"""The brief's A4 PDF: its text extracts (pypdf, as pdftotext would), Japanese is embedded
(no system font needed), no glyph is missing, the first page is not blank, charts and text stay
inside the page, a prefecture's PDF has a contents page, and --split writes one file each."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pypdf
import pypdfium2
import pytest

from bot.brief import pdf as P
from bot.brief.service import BriefService
from bot.brief.text import plain
from bot.cli import build_parser
from bot.settings import Settings
from bot.text.notes import SAMPLE_NOTE

IBARAKI = "27211"
TODAY = date(2026, 12, 1)
A4_PT = (595.0, 842.0)


def _text(path: Path) -> list[str]:
    reader = pypdf.PdfReader(path)
    return [page.extract_text() or "" for page in reader.pages]


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture()
def ibaraki_pdf(sampled: BriefService, tmp_path: Path) -> tuple[Path, int]:
    brief = sampled.brief(IBARAKI, today=TODAY)
    path = tmp_path / "ibaraki.pdf"
    return path, P.write_pdf([brief], path)


def test_the_pdf_text_has_the_name_and_the_figures(
    sampled: BriefService, ibaraki_pdf: tuple[Path, int]
) -> None:
    path, pages = ibaraki_pdf
    texts = _text(path)
    assert len(texts) == pages >= 1
    first = texts[0]
    assert "市町村支援ブリーフ：大阪府茨木市" in first
    assert "45,932人" in first and "46,853人" in first  # IPSS 2018, 2025 and 2035
    assert "1,507,245人" in first and "43中 9位" in first
    whole = _flat("".join(texts))
    assert _flat(SAMPLE_NOTE) in whole
    brief = sampled.brief(IBARAKI, today=TODAY)
    for card in brief.cards:
        assert _flat(card.questions[0]) in whole
    # every sample figure's row carries the mark before its value; real rows do not
    table = whole.split("府内順位時点", 1)[1]
    for f in brief.sheet.figures:
        row = table.split(_flat(f.label), 1)[1].split(_flat(f.text), 1)[0]
        assert (_flat(SAMPLE_NOTE) in row) == f.sample, f.label


def test_japanese_is_embedded_and_nothing_is_missing(
    sampled: BriefService, ibaraki_pdf: tuple[Path, int]
) -> None:
    path, _ = ibaraki_pdf
    reader = pypdf.PdfReader(path)
    for page in reader.pages:
        assert [round(float(x)) for x in page.mediabox[2:]] == [round(v) for v in A4_PT]
        fonts = page["/Resources"]["/Font"]
        assert len(fonts) == 1  # one subset of the font for every glyph, embedded once
        for ref in fonts.values():
            font = ref.get_object()
            assert "IPAexGothic" in str(font["/BaseFont"])
            descendant = font["/DescendantFonts"][0].get_object()
            assert "/FontFile2" in descendant["/FontDescriptor"].get_object()  # embedded
            assert "/ToUnicode" in font  # extractable
    # every character the brief writes has a glyph in the embedded font
    brief = sampled.brief(IBARAKI, today=TODAY)
    assert P.missing_glyphs(plain(brief)) == set()


def test_the_first_page_is_not_blank_and_the_margins_are(ibaraki_pdf: tuple[Path, int]) -> None:
    path, pages = ibaraki_pdf
    doc = pypdfium2.PdfDocument(str(path))
    try:
        for i in range(pages):
            image = doc[i].render(scale=1.0).to_pil().convert("L")
            w, h = image.size
            px = image.load()
            assert px is not None
            inked = sum(1 for x in range(0, w, 2) for y in range(0, h, 2) if px[x, y] < 200)
            if i == 0:
                assert inked > 0.03 * (w // 2) * (h // 2)  # text, tables and a chart
            # nothing is drawn in the outer 8 mm of any side: charts stay inside the page
            edge = round(8 / 25.4 * 72)
            outside = [
                (x, y)
                for x in range(w)
                for y in range(h)
                if (x < edge or x >= w - edge or y < edge or y >= h - edge) and px[x, y] < 235
            ]
            assert outside == [], f"page {i + 1} has ink in its margin: {outside[:5]}"
    finally:
        doc.close()


def test_the_layout_keeps_every_operation_inside_the_margins(sampled: BriefService) -> None:
    for code in (IBARAKI, "29201", "30381"):
        for page in P.layout(sampled.brief(code, today=TODAY)):
            for op in page.ops:
                if isinstance(op, P.TextOp):  # text, chart labels and ticks alike
                    assert op.x >= P.MARGIN_L - 0.01
                    assert op.x + P.width(op.text, op.size) <= P.PAGE_W - P.MARGIN_R + 0.01
                    assert P.MARGIN_T <= op.y <= P.BOTTOM
                elif isinstance(op, P.RectOp):  # bands and bars
                    assert op.x >= P.MARGIN_L - 0.01 and op.w >= 0
                    assert op.x + op.w <= P.PAGE_W - P.MARGIN_R + 0.01
                    assert op.y >= P.MARGIN_T and op.y + op.h <= P.BOTTOM
                else:
                    assert min(op.x1, op.x2) >= P.MARGIN_L - 0.01
                    assert max(op.x1, op.x2) <= P.PAGE_W - P.MARGIN_R + 0.01
                    assert min(op.y1, op.y2) >= P.MARGIN_T and max(op.y1, op.y2) <= P.BOTTOM


def test_wrapping_keeps_the_sample_mark_whole_and_punctuation_off_line_starts() -> None:
    text = "調整済み認定率（要支援・要介護 計）、通いの場参加率。" + SAMPLE_NOTE
    lines = P.wrap(text, 8.0, 40.0)
    assert "".join(lines) == text
    assert SAMPLE_NOTE in lines[-1]
    assert all(line[:1] not in "、。）" for line in lines[1:])
    assert all(P.width(line, 8.0) <= 40.0 + 1e-6 for line in lines)


def test_a_prefecture_pdf_has_a_contents_page(sampled: BriefService, tmp_path: Path) -> None:
    codes = sampled.municipalities([sampled.prefecture("奈良県")])[:3]
    briefs = sampled.briefs(codes, today=TODAY)
    path = tmp_path / "nara.pdf"
    pages = P.write_pdf(briefs, path, title="市町村支援ブリーフ 奈良県（3市町村）")
    texts = _text(path)
    assert len(texts) == pages
    contents = texts[0]
    assert "目次" in contents
    starts = [len(P.layout(b)) for b in briefs]
    expected = 2
    for b, n in zip(briefs, starts, strict=True):
        assert re.search(rf"{b.label}[・\s]*{expected}\b", contents), (b.label, contents)
        assert f"市町村支援ブリーフ：{b.label}" in texts[expected - 1]
        expected += n


def test_the_command_writes_a_prefecture_pdf_and_split_files(
    svc: BriefService,
    brief_settings: Settings,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert len(svc.municipalities([svc.prefecture("福井県")])) == 17
    # three of them keep the test short (each file embeds its own font subset)
    every = BriefService.municipalities
    monkeypatch.setattr(
        BriefService, "municipalities", lambda self, prefs=None: every(self, prefs)[:3]
    )
    out, combined = tmp_path / "fukui", tmp_path / "fukui.pdf"
    argv = ["brief", "--prefecture", "福井県", "--split", str(out), "--pdf", str(combined)]
    args = build_parser().parse_args(argv)
    assert args.handler(args, brief_settings) == 0
    files = sorted(out.glob("*.pdf"))
    assert [f.name for f in files] == [
        "18201_福井県福井市.pdf",
        "18202_福井県敦賀市.pdf",
        "18204_福井県小浜市.pdf",
    ]
    assert "福井県福井市" in _text(files[0])[0]
    contents = _text(combined)[0]
    assert "市町村支援ブリーフ 福井県（3市町村）" in contents and "福井県小浜市" in contents
    out_text = capsys.readouterr().out
    assert "3 件の PDF" in out_text and "（3市町村、" in out_text
