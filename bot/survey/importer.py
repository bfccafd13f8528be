"""``hintbot import survey FILE``: answers from CSV (UTF-8 or CP932) or Excel (.xlsx).

Two layouts: wide (a row per municipality, a column per item — headed by the item's text,
its number 「1」「問1」「Q1」 or its id 「q01」) or long (municipality, item, answer). Answers are
the scale's words or its numbers (1 = とても当てはまる … 4 = 当てはまらない); a blank cell is an
unanswered item. The whole file is checked first and stored in one transaction: any error
leaves the stored answers unchanged and names the row, column and value.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from analytics.importer import IndicatorImportError, col_letter, read_grid
from bot.errors import UserError
from bot.survey.answers import AnswerStore, NewResponse
from bot.survey.definition import Survey
from bot.survey.places import Places
from bot.text.normalize import squeeze as normalize

MAX_ERRORS = 30
_CODE_HEADERS = {"市区町村コード", "市町村コード", "団体コード", "コード", "code", "code5", "code6"}
_NAME_HEADERS = {
    "市区町村名",
    "市町村名",
    "市区町村",
    "市町村",
    "自治体名",
    "自治体",
    "name",
    "municipality",
}
_PREF_HEADERS = {"都道府県", "都道府県名", "府県", "府県名", "prefecture", "pref"}
_SAMPLE_HEADERS = {"sample", "サンプル", "サンプルデータ"}
_DATE_HEADERS = {"回答日", "submitted_at", "date", "日付"}
_ITEM_HEADERS = {"項目", "設問", "item", "question"}
_VALUE_HEADERS = {"回答", "answer", "value", "値"}
_IGNORED_HEADERS = {"備考", "メモ", "回答者", "担当者", "担当課", "note", "notes", "comment"}
_TRUE = {"1", "true", "yes", "y", "はい", "サンプル", "sample", "架空", "○"}
_FALSE = {"0", "false", "no", "n", "いいえ", "", "実データ", "real"}
_NUM_HEADER = re.compile(r"^(?:問|q|Q|設問)?0*(\d{1,2})[.．:：)）]?$")
_NUM_PREFIX = re.compile(r"^(?:問|q|Q)?0*(\d{1,2})[.．:：)）\s]+(.+)$")


class SurveyImportError(UserError):
    """The file was rejected; ``str()`` is the complete Japanese message."""


@dataclass(frozen=True)
class ImportSummary:
    file: str
    responses: int
    sample: bool
    layout: str  # wide | long
    unanswered_cells: int


def _h(text: str) -> str:
    return normalize(text).lower()


class _Errors:
    def __init__(self, file: str) -> None:
        self.file = file
        self.items: list[str] = []

    def add(self, msg: str) -> None:
        if len(self.items) < MAX_ERRORS:
            self.items.append(msg)

    def raise_if_any(self) -> None:
        if not self.items:
            return
        more = (
            f"\n（ほかにもある可能性があります。最初の {MAX_ERRORS} 件を表示しています）"
            if len(self.items) >= MAX_ERRORS
            else ""
        )
        raise SurveyImportError(
            f"{self.file} を取り込めませんでした。保存済みの回答は変更していません。\n"
            + "\n".join(f"・{e}" for e in self.items)
            + more
        )


class SurveyParser:
    def __init__(self, survey: Survey, places: Places) -> None:
        self.survey = survey
        self.places = places
        self._by_text: dict[str, str] = {}
        for it in survey.items:
            for form in (it.text, it.short, it.id, f"q{it.n}"):
                self._by_text[_h(form)] = it.id
        self._values: dict[str, int] = {}
        for lv in survey.scale:
            self._values[_h(lv.label)] = lv.value
            self._values[str(lv.value)] = lv.value

    # -- cells ------------------------------------------------------------------------------
    def item_of(self, header: str) -> str | None:
        key = _h(header)
        if key in self._by_text:
            return self._by_text[key]
        m = _NUM_HEADER.match(key)
        if m and 1 <= int(m.group(1)) <= len(self.survey.items):
            return self.survey.items[int(m.group(1)) - 1].id
        m = _NUM_PREFIX.match(normalize(header))
        if m:
            iid = self._by_text.get(_h(m.group(2)))
            n = int(m.group(1))
            if iid and self.survey.item(iid).n == n:
                return iid
        return None

    def value_of(self, raw: str) -> int | None:
        """Scale value, or None for a blank cell; ValueError when unreadable."""
        key = _h(raw)
        if not key:
            return None
        if key.endswith(".0"):
            key = key[:-2]
        if key in self._values:
            return self._values[key]
        raise ValueError(raw)

    def scale_hint(self) -> str:
        return "、".join(f"{lv.value}（{lv.label}）" for lv in self.survey.scale)

    # -- files ------------------------------------------------------------------------------
    def parse(
        self, path: Path, *, sample: bool = False, tz: ZoneInfo | None = None
    ) -> tuple[list[NewResponse], str, int]:
        try:
            rows, lines, sample_comment = read_grid(path)
        except IndicatorImportError as exc:
            raise SurveyImportError(str(exc)) from exc
        file = path.name
        if not rows:
            raise SurveyImportError(
                f"{file} にデータがありません（空のファイルです）。保存済みの回答は変更していません。"
            )
        if len(rows) < 2:
            raise SurveyImportError(
                f"{file} には見出しの行（{lines[0]}行目）しかなく、回答の行がありません。"
                "保存済みの回答は変更していません。"
            )
        header = rows[0]
        heads = {_h(h) for h in header}
        sample = sample or sample_comment
        tz = tz or ZoneInfo("Asia/Tokyo")
        if heads & {_h(x) for x in _ITEM_HEADERS} and heads & {_h(x) for x in _VALUE_HEADERS}:
            out, blanks = self._long(file, header, rows[1:], lines[1:], sample, tz)
            return out, "long", blanks
        out, blanks = self._wide(file, header, rows[1:], lines[1:], sample, tz)
        return out, "wide", blanks

    def _roles(
        self, file: str, header: Sequence[str], errors: _Errors, long: bool
    ) -> dict[int, str]:
        roles: dict[int, str] = {}
        groups = (
            ("code", _CODE_HEADERS),
            ("name", _NAME_HEADERS),
            ("pref", _PREF_HEADERS),
            ("sample", _SAMPLE_HEADERS),
            ("date", _DATE_HEADERS),
            ("ignore", _IGNORED_HEADERS),
        ) + ((("item", _ITEM_HEADERS), ("value", _VALUE_HEADERS)) if long else ())
        seen_items: dict[str, int] = {}
        for i, h in enumerate(header):
            key = _h(h)
            role = next((r for r, names in groups if key in {_h(n) for n in names}), None)
            if role is None and not long:
                iid = self.item_of(h)
                if iid is not None:
                    if iid in seen_items:
                        errors.add(
                            f"1行目 {col_letter(i)}列（{h}）: 項目「{self.survey.item(iid).text}」の列が"
                            f" {col_letter(seen_items[iid])}列にもあります。"
                        )
                        continue
                    seen_items[iid] = i
                    roles[i] = "item:" + iid
                    continue
            if role is None:
                if not key:
                    errors.add(f"1行目 {col_letter(i)}列: 見出しが空です。")
                else:
                    errors.add(
                        f"1行目 {col_letter(i)}列: 見出し「{h}」を項目として認識できません。"
                        "項目の文言（例: 担い手（受け皿）の確保）か番号（1〜25、問1、Q1）にしてください。"
                    )
                continue
            if role in roles.values() and role != "ignore":
                errors.add(f"1行目 {col_letter(i)}列（{h}）: 同じ種類の列が2つあります。")
                continue
            roles[i] = role
        if "code" not in roles.values() and "name" not in roles.values():
            errors.add("1行目: 市区町村コードか市町村名の列がありません。")
        return roles

    def _muni(self, cells: dict[str, str]) -> str:
        if cells.get("code"):
            return self.places.muni_code_of(cells["code"])
        if not cells.get("name"):
            raise UserError("市区町村コードも市町村名も空です。")
        pref = cells.get("pref") or None
        if pref:
            pref = self.places.pref_name(self.places.pref_code_of(pref))
        return self.places.muni_code_of(cells["name"], pref)

    def _flag(self, raw: str, where: str, errors: _Errors) -> bool:
        key = _h(raw)
        if key in _TRUE:
            return True
        if key not in _FALSE:
            errors.add(f"{where}: 値「{raw}」は sample 列の値として読めません（1 か 0）。")
        return False

    def _date(self, raw: str, where: str, errors: _Errors, tz: ZoneInfo) -> datetime | None:
        if not raw.strip():
            return None
        try:
            d = datetime.fromisoformat(normalize(raw).replace("/", "-"))
        except ValueError:
            errors.add(f"{where}: 値「{raw}」は日付として読めません（2026-11-20 のように）。")
            return None
        local = datetime.combine(d.date(), d.time() if d.time() != time(0) else time(0), tzinfo=tz)
        return local.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)

    def _wide(
        self,
        file: str,
        header: Sequence[str],
        rows: Sequence[Sequence[str]],
        lines: Sequence[int],
        sample: bool,
        tz: ZoneInfo,
    ) -> tuple[list[NewResponse], int]:
        errors = _Errors(file)
        roles = self._roles(file, header, errors, long=False)
        if not any(r.startswith("item:") for r in roles.values()):
            errors.add("1行目: 項目の列が1つもありません。")
        errors.raise_if_any()
        out: list[NewResponse] = []
        seen: dict[str, int] = {}
        blanks = 0
        for row, line in zip(rows, lines, strict=True):
            cells = {
                r: (row[i] if i < len(row) else "")
                for i, r in roles.items()
                if not r.startswith("item:")
            }
            try:
                code5 = self._muni(cells)
            except UserError as exc:
                errors.add(f"{line}行目: {exc}")
                continue
            if code5 in seen:
                errors.add(
                    f"{line}行目: {self.places.label(code5)} は {seen[code5]}行目にもあります"
                    "（1つの市町村は1行にしてください）。"
                )
                continue
            seen[code5] = line
            answers: dict[str, int] = {}
            for i, role in roles.items():
                if not role.startswith("item:"):
                    continue
                raw = row[i] if i < len(row) else ""
                try:
                    v = self.value_of(raw)
                except ValueError:
                    errors.add(
                        f"{line}行目 {col_letter(i)}列（{header[i]}）: 値「{raw}」は回答として読めません。"
                        f"{self.scale_hint()} のいずれかで書いてください。"
                    )
                    continue
                if v is None:
                    blanks += 1
                else:
                    answers[role[5:]] = v
            if not answers:
                errors.add(f"{line}行目: {self.places.label(code5)} の回答が1つもありません。")
                continue
            where = f"{line}行目"
            row_sample = sample or (self._flag(cells.get("sample", ""), where, errors))
            out.append(
                NewResponse(
                    code5,
                    self.places.muni(code5).pref_code,
                    answers,
                    row_sample,
                    self._date(cells.get("date", ""), where, errors, tz),
                )
            )
        errors.raise_if_any()
        return out, blanks

    def _long(
        self,
        file: str,
        header: Sequence[str],
        rows: Sequence[Sequence[str]],
        lines: Sequence[int],
        sample: bool,
        tz: ZoneInfo,
    ) -> tuple[list[NewResponse], int]:
        errors = _Errors(file)
        roles = self._roles(file, header, errors, long=True)
        errors.raise_if_any()
        col = {r: i for i, r in roles.items()}
        by_muni: dict[str, dict[str, int]] = {}
        first_line: dict[tuple[str, str], int] = {}
        flags: dict[str, bool] = {}
        dates: dict[str, datetime | None] = {}
        blanks = 0
        for row, line in zip(rows, lines, strict=True):
            cells = {r: (row[i] if i < len(row) else "") for i, r in roles.items()}
            try:
                code5 = self._muni(cells)
            except UserError as exc:
                errors.add(f"{line}行目: {exc}")
                continue
            raw_item = cells.get("item", "")
            iid = self.item_of(raw_item)
            if iid is None:
                errors.add(
                    f"{line}行目 {col_letter(col['item'])}列（{header[col['item']]}）: 値「{raw_item}」は"
                    "アンケートの項目として認識できません。"
                )
                continue
            if (code5, iid) in first_line:
                errors.add(
                    f"{line}行目: {self.places.label(code5)} の「{self.survey.item(iid).text}」は"
                    f" {first_line[(code5, iid)]}行目にもあります。"
                )
                continue
            first_line[(code5, iid)] = line
            raw = cells.get("value", "")
            try:
                v = self.value_of(raw)
            except ValueError:
                errors.add(
                    f"{line}行目 {col_letter(col['value'])}列（{header[col['value']]}）: 値「{raw}」は"
                    f"回答として読めません。{self.scale_hint()} のいずれかで書いてください。"
                )
                continue
            where = f"{line}行目"
            flags[code5] = flags.get(code5, False) or self._flag(
                cells.get("sample", ""), where, errors
            )
            dates.setdefault(code5, self._date(cells.get("date", ""), where, errors, tz))
            if v is None:
                blanks += 1
                by_muni.setdefault(code5, {})
            else:
                by_muni.setdefault(code5, {})[iid] = v
        for code5, answers in by_muni.items():
            if not answers:
                errors.add(f"{self.places.label(code5)} の回答が1つもありません。")
        errors.raise_if_any()
        out = [
            NewResponse(
                code5,
                self.places.muni(code5).pref_code,
                answers,
                sample or flags[code5],
                dates[code5],
            )
            for code5, answers in by_muni.items()
        ]
        return out, blanks


def import_survey(
    store: AnswerStore, survey: Survey, places: Places, path: Path, *, sample: bool = False
) -> ImportSummary:
    """Validate the whole file, then store every row in one transaction."""
    responses, layout, blanks = SurveyParser(survey, places).parse(path, sample=sample)
    store.add(responses, source="import", file_name=path.name[:255])
    return ImportSummary(
        path.name, len(responses), any(r.sample for r in responses), layout, blanks
    )
