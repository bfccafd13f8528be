"""``hintbot import indicators FILE``: load 見える化 exports, survey results or the demo sample.

Files come from many hands (Excel, CSV in UTF-8 or CP932, one row per municipality or one row
per value), so parsing is forgiving about layout but strict about content: one bad cell rejects
the whole file with the row, column and value named in Japanese, and the database is changed
only in a single transaction after every row passed.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine, delete, insert

from analytics.catalog import Catalog, Indicator
from analytics.geo import Gazetteer
from bot.text.normalize import squeeze

MAX_ERRORS = 15
MISSING_MARKS = frozenset(
    {"－", "-", "―", "—", "‐", "–", "ー", "※", "*", "＊", "…", "...", "x", "X", "ｘ", "秘匿"}
)
ROLE_NAMES: dict[str, tuple[str, ...]] = {
    "code": (
        "code",
        "code5",
        "code6",
        "市区町村コード",
        "市町村コード",
        "団体コード",
        "地方公共団体コード",
        "全国地方公共団体コード",
        "コード",
    ),
    "name": (
        "name",
        "市区町村名",
        "市町村名",
        "市区町村",
        "市町村",
        "自治体名",
        "自治体",
        "保険者名",
        "団体名",
    ),
    "pref": ("pref", "pref_name", "都道府県", "都道府県名", "府県名", "府県"),
    "area": ("area", "圏域", "圏域名", "日常生活圏域", "地区", "地区名", "小地域"),
    "year": ("year", "年", "年度", "調査年", "調査年度"),
    "indicator": ("indicator", "指標", "指標名", "指標id"),
    "value": ("value", "値", "数値"),
    "sample": ("sample", "サンプル", "データ区分"),
    "ignore": ("unit", "単位", "note", "備考", "no", "no.", "番号", "出典", "source"),
}
_ROLE_OF = {squeeze(n).lower(): role for role, names in ROLE_NAMES.items() for n in names}
_BRACKET = re.compile(r"[（(\[［][^）)\]］]*[）)\]］]$")
_HEADER_YEAR = re.compile(r"[_（(\s]?(20\d\d)年?度?[）)]?$")
_ERA = re.compile(r"^(令和|平成|R|H)(元|\d{1,2})年?度?$", re.IGNORECASE)
_TRUE = {"1", "true", "yes", "y", "はい", "サンプル", "sample", "架空", "○"}
_FALSE = {"0", "false", "no", "n", "いいえ", "", "実データ", "real"}


class IndicatorImportError(ValueError):
    """The file was rejected; ``str()`` is the complete Japanese message for the user."""


@dataclass(frozen=True)
class ParsedValue:
    indicator: str
    year: int
    code5: str
    area: str
    value: float | None
    sample: bool
    line: int


@dataclass(frozen=True)
class ImportResult:
    file: str
    rows: int
    sample: bool
    series: tuple[tuple[str, int, int], ...]  # (indicator, year, rows)
    replaced: int
    warnings: tuple[str, ...] = ()


@dataclass
class _Column:
    index: int
    header: str
    role: str  # code/name/pref/area/year/indicator/value/sample/ignore/measure
    indicator: Indicator | None = None
    year: int | None = None


@dataclass
class _Ctx:
    file: str
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def err(self, msg: str) -> None:
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(msg)

    def fail_if_errors(self) -> None:
        if self.errors:
            more = (
                ""
                if len(self.errors) < MAX_ERRORS
                else f"\n（ほかにもある可能性があります。最初の {MAX_ERRORS} 件を表示しています）"
            )
            raise IndicatorImportError(
                f"{self.file} を取り込めませんでした。データベースは変更していません。\n"
                + "\n".join(f"・{e}" for e in self.errors)
                + more
            )


def col_letter(index: int) -> str:
    """0 → A, 26 → AA: the column names staff see in Excel."""
    s = ""
    index += 1
    while index:
        index, r = divmod(index - 1, 26)
        s = chr(65 + r) + s
    return s


# ------------------------------------------------------------------------ reading
def decode_bytes(data: bytes, file: str) -> str:
    """UTF-8 (with or without BOM) first, then CP932 (Shift_JIS as Excel writes it)."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp932")
    except UnicodeDecodeError as exc:
        raise IndicatorImportError(
            f"{file} の文字コードを判別できません（UTF-8 でも Shift_JIS（CP932）でもありません。"
            f"先頭から {exc.start + 1} バイト目）。UTF-8 の CSV で保存し直してください。"
        ) from exc


def _cell(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, datetime):
        return v.strftime("%Y-%m-%d")
    return str(v).strip()


def read_grid(path: Path, sheet: str | None = None) -> tuple[list[list[str]], list[int], bool]:
    """Rows of cells as text, their 1-based line (row) numbers, and a 「サンプル」 file comment."""
    if not path.exists():
        raise IndicatorImportError(f"ファイル {path} が見つかりません。")
    suffix = path.suffix.lower()
    rows: list[list[str]] = []
    lines: list[int] = []
    sample_comment = False
    if suffix in (".xlsx", ".xlsm"):
        import openpyxl

        try:
            wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many types for broken files
            raise IndicatorImportError(
                f"{path.name} を Excel ファイルとして開けません: {exc}"
            ) from exc
        try:
            if sheet is not None and sheet not in wb.sheetnames:
                raise IndicatorImportError(
                    f"{path.name} にシート「{sheet}」がありません（{', '.join(wb.sheetnames)}）。"
                )
            ws = wb[sheet] if sheet else wb.worksheets[0]
            for n, r in enumerate(ws.iter_rows(values_only=True), start=1):
                cells = [_cell(v) for v in r]
                rows.append(cells)
                lines.append(n)
        finally:
            wb.close()
    elif suffix in (".csv", ".txt", ".tsv"):
        text = decode_bytes(path.read_bytes(), path.name)
        delimiter = "\t" if suffix == ".tsv" else ","
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        start = 1
        for r in reader:
            rows.append([c.strip() for c in r])
            lines.append(start)
            start = reader.line_num + 1
    else:
        raise IndicatorImportError(
            f"{path.name}: 対応していない形式です。CSV（.csv）か Excel（.xlsx）を指定してください。"
        )
    out_rows: list[list[str]] = []
    out_lines: list[int] = []
    for cells, line in zip(rows, lines, strict=True):
        if not any(cells):
            continue
        if cells[0].startswith("#"):
            if "サンプル" in ",".join(cells):
                sample_comment = True
            continue
        out_rows.append(cells)
        out_lines.append(line)
    return out_rows, out_lines, sample_comment


# ------------------------------------------------------------------------ parsing
def parse_year(text: str) -> int | None:
    s = squeeze(text)
    m = _ERA.match(s)
    if m:
        n = 1 if m.group(2) == "元" else int(m.group(2))
        return (2018 if m.group(1).upper() in ("令和", "R") else 1988) + n
    s = s.removesuffix("年度").removesuffix("年")
    if s.endswith(".0"):
        s = s[:-2]
    if s.isdigit() and 1990 <= int(s) <= 2100:
        return int(s)
    return None


def _match_header(header: str, catalog: Catalog) -> tuple[Indicator | None, int | None]:
    """An indicator column header, possibly with a unit in brackets or a trailing year."""
    h = squeeze(header)
    year = None
    m = _HEADER_YEAR.search(h)
    if m and len(h) > len(m.group(0)):
        year = int(m.group(1))
        h = h[: m.start()]
    for cand in (h, _BRACKET.sub("", h)):
        ind = catalog.lookup_name(cand)
        if ind is not None:
            return ind, year
    return None, None


def _classify(header_row: Sequence[str], catalog: Catalog) -> list[_Column]:
    cols: list[_Column] = []
    for i, h in enumerate(header_row):
        key = squeeze(h).lower()
        if not key:
            cols.append(_Column(i, h, "blank"))
        elif key in _ROLE_OF:
            cols.append(_Column(i, h, _ROLE_OF[key]))
        else:
            ind, year = _match_header(h, catalog)
            cols.append(_Column(i, h, "measure" if ind else "unknown", ind, year))
    return cols


def _check_digit_ok(code6: str) -> bool:
    digits = [int(c) for c in code6[:5]]
    total = sum(d * w for d, w in zip(digits, (6, 5, 4, 3, 2), strict=True))
    r = total % 11
    check = (11 - r) % 10 if r else 0
    return check == int(code6[5])


def parse_value(raw: str) -> float:
    """A number as staff type it: 1,234 / １２．３ / 12.3% / △1.2 (negative). Raises ValueError."""
    s = squeeze(raw).replace(",", "").replace("，", "")
    s = s.removesuffix("%")
    if s[:1] in ("△", "▲"):
        s = "-" + s[1:]
    return float(s)


def parse_rows(
    path: Path,
    catalog: Catalog,
    geo: Gazetteer,
    *,
    indicator: str | None = None,
    year: int | None = None,
    allow_missing: bool = False,
    sheet: str | None = None,
    force_sample: bool | None = None,
) -> tuple[list[ParsedValue], list[str]]:
    """Read and validate the whole file; raise ``IndicatorImportError`` listing every problem."""
    ctx = _Ctx(path.name)
    grid, lines, sample_comment = read_grid(path, sheet)
    if not grid:
        raise IndicatorImportError(f"{path.name} にデータがありません（空のファイルです）。")
    only: Indicator | None = None
    if indicator is not None:
        only = catalog.lookup_name(indicator)
        if only is None:
            names = "、".join(i.name for i in catalog.indicators if not i.is_real)
            raise IndicatorImportError(
                f"--indicator「{indicator}」は指標カタログにありません。取り込める指標: {names}"
            )
    header = grid[0]
    cols = _classify(header, catalog)
    roles = {c.role: c for c in reversed(cols)}
    hline = lines[0]
    # --- header sanity, including a header spread over two rows
    if "code" not in roles and "name" not in roles:
        if len(grid) > 1:
            second = _classify(grid[1], catalog)
            if any(c.role in ("code", "name") for c in second):
                raise IndicatorImportError(
                    f"{path.name}: 見出しが {hline} 行目と {lines[1]} 行目の2行に分かれているようです。"
                    "見出しを1行にまとめてから取り込んでください（例: 「市区町村コード, 市区町村名, "
                    "通いの場参加率」）。データベースは変更していません。"
                )
        raise IndicatorImportError(
            f"{path.name}: {hline} 行目の見出しに市区町村コードまたは市区町村名の列がありません"
            f"（見出し: {', '.join(h for h in header if h)}）。データベースは変更していません。"
        )
    long_layout = "indicator" in roles or "value" in roles
    if long_layout and "value" not in roles:
        raise IndicatorImportError(
            f"{path.name}: 「指標」列はありますが「値」（value）列がありません。データベースは変更していません。"
        )
    if long_layout and "indicator" not in roles and only is None:
        raise IndicatorImportError(
            f"{path.name}: 「値」列がありますが「指標」列がありません。--indicator で指標を指定してください。"
        )
    for c in cols:
        if c.role == "unknown":
            ctx.err(
                f"{hline} 行目 {col_letter(c.index)}列 の見出し「{c.header}」は指標カタログにない名前です"
                f"（`hintbot data status` で指標名を確認できます）。"
            )
    measures = [c for c in cols if c.role == "measure"]
    real_cols = [c for c in measures if c.indicator is not None and c.indicator.is_real]
    for c in real_cols:
        ctx.warnings.append(
            f"{col_letter(c.index)}列「{c.header}」は同梱の公的統計から計算する指標のため取り込みませんでした。"
        )
    measures = [c for c in measures if c not in real_cols]
    if only is not None and not long_layout:
        measures = [c for c in measures if c.indicator is not None and c.indicator.id == only.id]
        if not measures:
            ctx.err(f"{hline} 行目の見出しに「{only.name}」の列がありません。")
    if not long_layout and not measures and not ctx.errors:
        ctx.err(f"{hline} 行目の見出しに取り込める指標の列がありません（例: 通いの場参加率）。")
    ctx.fail_if_errors()

    def cell(row: Sequence[str], role: str) -> str:
        c = roles.get(role)
        return row[c.index].strip() if c is not None and c.index < len(row) else ""

    # --- a header spread over two rows: the first data row has no municipality but other text
    if len(grid) > 1:
        first = grid[1]
        if not cell(first, "code") and not cell(first, "name") and any(first):
            raise IndicatorImportError(
                f"{path.name}: 見出しが {hline} 行目と {lines[1]} 行目の2行に分かれているようです"
                f"（{lines[1]} 行目に市区町村がなく「{'・'.join(x for x in first if x)}」とあります）。"
                "見出しを1行にまとめてから取り込んでください。データベースは変更していません。"
            )

    out: list[ParsedValue] = []
    seen: dict[tuple[str, int, str, str], int] = {}
    for row, line in zip(grid[1:], lines[1:], strict=True):
        where = f"{line} 行目"
        code5, area = _resolve_row(row, line, roles, geo, ctx)
        if code5 is None:
            continue
        row_year = year
        ycell = cell(row, "year")
        if ycell:
            row_year = parse_year(ycell)
            if row_year is None:
                c = roles["year"]
                ctx.err(
                    f"{where} {col_letter(c.index)}列「{c.header}」: 年「{ycell}」を読めません（例: 2019, 令和元年度）。"
                )
                continue
        scell = cell(row, "sample")
        if force_sample is not None:
            is_sample = force_sample
        elif "sample" in roles:
            key = squeeze(scell).lower()
            if key not in _TRUE and key not in _FALSE:
                c = roles["sample"]
                ctx.err(
                    f"{where} {col_letter(c.index)}列「{c.header}」: 「{scell}」は 1（サンプル）か 0（実データ）で書いてください。"
                )
                continue
            is_sample = key in _TRUE
        else:
            is_sample = sample_comment
        items: list[tuple[Indicator, int | None, _Column, str]] = []
        if long_layout:
            vcol = roles["value"]
            raw = row[vcol.index] if vcol.index < len(row) else ""
            if "indicator" in roles:
                icol = roles["indicator"]
                iname = cell(row, "indicator")
                ind = catalog.lookup_name(iname)
                if ind is None:
                    ctx.err(
                        f"{where} {col_letter(icol.index)}列「{icol.header}」: 指標「{iname}」は指標カタログにありません。"
                    )
                    continue
                if ind.is_real:
                    ctx.err(
                        f"{where} {col_letter(icol.index)}列: 「{ind.name}」は同梱の公的統計から計算する指標のため取り込めません。"
                    )
                    continue
                if only is not None and ind.id != only.id:
                    continue
            else:
                assert only is not None
                ind = only
            items.append((ind, row_year, vcol, raw))
        else:
            for c in measures:
                assert c.indicator is not None
                raw = row[c.index] if c.index < len(row) else ""
                items.append((c.indicator, c.year or row_year, c, raw))
        for ind, y, c, raw in items:
            loc = f"{where} {col_letter(c.index)}列「{c.header}」"
            if y is None:
                ctx.err(
                    f"{loc}: 年（年度）がわかりません。year 列を加えるか --year を指定してください。"
                )
                continue
            value = _parse_cell(raw, ind, loc, allow_missing, ctx)
            if value is _BAD:
                continue
            dkey = (ind.id, y, code5, area)
            if dkey in seen:
                m = geo.munis.get(code5)
                label = m.label if m else code5
                ctx.err(
                    f"{seen[dkey]} 行目と {line} 行目: {label}{'・' + area if area else ''} の"
                    f"「{ind.name}」{y}年 が重複しています（市区町村コードの重複）。"
                )
                continue
            seen[dkey] = line
            out.append(ParsedValue(ind.id, y, code5, area, value, is_sample, line))  # type: ignore[arg-type]
    ctx.fail_if_errors()
    if not out:
        raise IndicatorImportError(
            f"{path.name}: 取り込める値が1件もありません。データベースは変更していません。"
        )
    return out, ctx.warnings


_BAD = object()


def _parse_cell(raw: str, ind: Indicator, loc: str, allow_missing: bool, ctx: _Ctx) -> object:
    s = raw.strip()
    if s == "":
        return None
    if s in MISSING_MARKS or squeeze(s) in MISSING_MARKS:
        if allow_missing:
            return None
        ctx.err(
            f"{loc}: 値「{s}」は数値ではありません。欠損（データなし）として取り込む場合は "
            "--allow-missing を指定するか、空欄にしてください。"
        )
        return _BAD
    try:
        v = parse_value(s)
    except ValueError:
        ctx.err(f"{loc}: 値「{s}」は数値として読めません。")
        return _BAD
    if v != v or v in (float("inf"), float("-inf")):
        ctx.err(f"{loc}: 値「{s}」は数値として使えません。")
        return _BAD
    if v < 0:
        ctx.err(f"{loc}: 値「{s}」が負の数です。{ind.name}は0以上の値です。")
        return _BAD
    if ind.is_percent and v > 100:
        ctx.err(f"{loc}: 値「{s}」が100を超えています（{ind.name}の単位は % です）。")
        return _BAD
    return v


def _resolve_row(
    row: Sequence[str], line: int, roles: dict[str, _Column], geo: Gazetteer, ctx: _Ctx
) -> tuple[str | None, str]:
    """The municipality (code5) and small area of one row, or ``None`` after recording why."""

    def get(role: str) -> str:
        c = roles.get(role)
        return row[c.index].strip() if c is not None and c.index < len(row) else ""

    where = f"{line} 行目"
    raw_code, name, pref, area = get("code"), get("name"), get("pref"), get("area")
    area = squeeze(area)
    code5: str | None = None
    if raw_code:
        c = roles["code"]
        digits = unicodedata.normalize("NFKC", raw_code).strip().removesuffix(".0")
        if not digits.isdigit() or len(digits) not in (4, 5, 6):
            ctx.err(
                f"{where} {col_letter(c.index)}列「{c.header}」: コード「{raw_code}」は市区町村コード（5桁または6桁）ではありません。"
            )
            return None, area
        if len(digits) == 6:
            if not _check_digit_ok(digits):
                ctx.err(
                    f"{where} {col_letter(c.index)}列「{c.header}」: コード「{raw_code}」の検査数字が合いません。"
                )
                return None, area
            digits = digits[:5]
        elif len(digits) == 4:
            digits = "0" + digits
        if (digits.endswith("000") and digits[:2] in geo.prefs) or digits in geo.munis:
            code5 = digits
        else:
            ctx.err(
                f"{where} {col_letter(c.index)}列「{c.header}」: コード「{raw_code}」の市区町村はありません。"
            )
            return None, area
        if name and not code5.endswith("000"):
            m = geo.munis[code5]
            n = squeeze(name)
            ok = n in (m.name, m.pref_name + m.name, m.gun + m.name) or (
                m.parent_code5 and n.endswith(m.name)
            )
            if not ok:
                nc = roles["name"]
                ctx.err(
                    f"{where} {col_letter(nc.index)}列「{nc.header}」: コード {code5} は{m.label}ですが、"
                    f"名前は「{name}」です。どちらかを直してください。"
                )
                return None, area
    elif name:
        nc = roles["name"]
        n = squeeze(name)
        pref_hit = [p for p in geo.prefs.values() if n == p.name]
        if pref_hit:
            return pref_hit[0].code5, area
        codes = _find_by_name(geo, n, squeeze(pref) if pref else None)
        if not codes:
            near = "、".join(geo.munis[c].label for c, _ in geo.fuzzy(n, limit=3))
            hint = f"（近い名前: {near}）" if near else ""
            ctx.err(
                f"{where} {col_letter(nc.index)}列「{nc.header}」: 市区町村「{name}」が見つかりません{hint}。"
            )
            return None, area
        if len(codes) > 1:
            labels = "、".join(geo.munis[c].label for c in codes)
            ctx.err(
                f"{where} {col_letter(nc.index)}列「{nc.header}」: 「{name}」は複数あります（{labels}）。"
                "都道府県の列か市区町村コードを加えてください。"
            )
            return None, area
        code5 = codes[0]
    else:
        ctx.err(f"{where}: 市区町村コードも市区町村名も空です。")
        return None, area
    ward = geo.munis.get(code5)
    if ward is not None and ward.level == "designated_city_ward":
        # A ward's value is kept as a small area of its city.
        area = ward.name + ("・" + area if area else "")
        code5 = ward.parent_code5
    return code5, area


def _find_by_name(geo: Gazetteer, name: str, pref: str | None) -> list[str]:
    hits: set[str] = set()
    for m in geo.munis.values():
        if pref and m.pref_name != pref:
            continue
        full = m.name
        if m.level == "designated_city_ward":
            parent = geo.munis.get(m.parent_code5)
            full = (parent.name if parent else "") + m.name
            if name == full:
                hits.add(m.code5)
            continue
        if name in (m.name, m.pref_name + m.name, m.gun + m.name, m.pref_name + m.gun + m.name):
            hits.add(m.code5)
    return sorted(hits)


# ------------------------------------------------------------------------ storing
def store_values(
    engine: Engine, values: Sequence[ParsedValue], file_name: str
) -> tuple[int, tuple[tuple[str, int, int], ...]]:
    """Replace every indicator-year in ``values`` in one transaction; return rows replaced."""
    from bot.storage.indicator_tables import ImportBatch, IndicatorValue

    counts: dict[tuple[str, int], int] = {}
    for v in values:
        counts[(v.indicator, v.year)] = counts.get((v.indicator, v.year), 0) + 1
    replaced = 0
    with engine.begin() as conn:
        batch_id = conn.execute(
            insert(ImportBatch).values(
                file_name=file_name,
                imported_at=datetime.now(),
                rows=len(values),
                sample=any(v.sample for v in values),
            )
        ).inserted_primary_key[0]  # type: ignore[index]
        for ind, year in counts:
            res = conn.execute(
                delete(IndicatorValue).where(
                    IndicatorValue.indicator == ind, IndicatorValue.year == year
                )
            )
            replaced += res.rowcount or 0
        conn.execute(
            insert(IndicatorValue),
            [
                {
                    "indicator": v.indicator,
                    "year": v.year,
                    "code5": v.code5,
                    "area": v.area,
                    "value": v.value,
                    "sample": v.sample,
                    "batch_id": batch_id,
                }
                for v in values
            ],
        )
    series = tuple((i, y, n) for (i, y), n in sorted(counts.items()))
    return replaced, series


def import_file(
    engine: Engine,
    path: Path,
    catalog: Catalog,
    geo: Gazetteer,
    **kwargs: object,
) -> ImportResult:
    """Validate ``path`` completely, then store it; nothing is written when anything is wrong."""
    values, warnings = parse_rows(path, catalog, geo, **kwargs)  # type: ignore[arg-type]
    replaced, series = store_values(engine, values, path.name)
    return ImportResult(
        file=path.name,
        rows=len(values),
        sample=any(v.sample for v in values),
        series=series,
        replaced=replaced,
        warnings=tuple(warnings),
    )
