"""Municipality and prefecture names for the survey, from the analytics municipality master.

Reuses ``analytics.geo.Gazetteer`` (the JIS X 0402 master) so names, codes and the 215
municipalities of the 7 Kinki prefectures are the same everywhere in the bot. Names that exist
in two prefectures (太子町, 美浜町) must be written with their prefecture.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from analytics.geo import KINKI_PREFS, Gazetteer, Municipality
from analytics.tables import RAW_FILES
from bot.errors import UserError
from bot.text.normalize import squeeze as normalize


@dataclass(frozen=True)
class Places:
    """The municipalities (市町村; 政令市 as a whole) of the prefectures the survey covers."""

    geo: Gazetteer
    pref_codes: tuple[str, ...] = KINKI_PREFS

    def pref_name(self, pref_code: str) -> str:
        return self.geo.prefs[pref_code].name

    def munis_of(self, pref_code: str) -> list[Municipality]:
        """The prefecture's municipalities in code order (the order of official lists)."""
        return [self.geo.munis[c] for c in sorted(self.geo.units_in([pref_code]))]

    def muni(self, code5: str) -> Municipality:
        return self.geo.munis[code5]

    def pref_code_of(self, name: str) -> str:
        """「大阪府」「大阪」 → "27"; a Japanese ``UserError`` when unknown or outside the area."""
        key = normalize(name.strip())
        for p in self.geo.prefs.values():
            short = p.name if p.name == "北海道" else p.name[:-1]
            if key in (p.name, short, p.code, p.code5):
                if p.code not in self.pref_codes:
                    raise UserError(f"「{name}」は近畿厚生局管内（7府県）ではありません。")
                return p.code
        names = "、".join(self.pref_name(c) for c in self.pref_codes)
        raise UserError(
            f"「{name}」という府県は見つかりません。{names} のいずれかを指定してください。"
        )

    def is_pref_name(self, name: str) -> bool:
        try:
            self.pref_code_of(name)
        except UserError:
            return False
        return True

    def muni_code_of(self, name: str, pref_name: str | None = None) -> str:
        """「茨木市」「大阪府太子町」「27211」 → code5; ambiguous or unknown names are errors."""
        raw = name.strip()
        key = normalize(raw)
        if key.isdigit() and len(key) in (5, 6):
            code = key[:5]
            if code not in self.geo.munis:
                raise UserError(f"市区町村コード「{raw}」は見つかりません。")
            codes = [self.geo.resolve_unit(code)]
        else:
            codes = self.geo.find_exact(key, pref_name)
        codes = [c for c in codes if c in self.geo.munis and self.geo.munis[c].is_unit]
        if not codes:
            raise UserError(
                f"「{raw}」という市町村は見つかりません。正式な名前（例: 茨木市）で指定してください。"
            )
        if len(codes) > 1:
            options = "、".join(self.geo.munis[c].pref_name + self.geo.munis[c].name for c in codes)
            raise UserError(
                f"「{raw}」は複数の府県にあります（{options}）。府県名を付けて指定してください。"
            )
        code = codes[0]
        if self.geo.munis[code].pref_code not in self.pref_codes:
            raise UserError(
                f"「{raw}」（{self.geo.munis[code].pref_name}）は近畿厚生局管内（7府県）の市町村ではありません。"
            )
        return code

    def label(self, code5: str) -> str:
        m = self.geo.munis[code5]
        return f"{m.pref_name}{m.name}"


@lru_cache(maxsize=4)
def _gazetteer(data_dir: Path) -> Gazetteer:
    return Gazetteer.from_csv(data_dir / RAW_FILES["master"], data_dir / RAW_FILES["juki"])


def load_places(data_dir: Path, pref_codes: tuple[str, ...] = KINKI_PREFS) -> Places:
    return Places(_gazetteer(data_dir.resolve()), pref_codes)
