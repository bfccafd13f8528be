"""Who is who: Slack users → municipality or prefecture, and their role.

A person asks with ``/hint-register 茨木市``; the request stays pending until an admin of that
prefecture or a bureau admin approves it. The first bureau admin is set from the command line
(``hintbot registry set``). Only an approved member of a municipality answers for it.

Every request has an id and every row a version (bumped on each change). An approval names
the request it approves (the button carries both) and is a compare-and-set: a button of an
earlier request, or a second click, approves nothing and is told 「すでに処理されています」.
An approved member who asks again is asked to confirm first (``NeedsConfirmation``): the new
request replaces the approved registration until it is approved.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine, delete, select, update

from bot.errors import UserError
from bot.storage.conversations import utcnow
from bot.storage.db import session_factory
from bot.storage.survey_tables import ROLES, SurveyMember
from bot.survey.places import Places

USER_ID_RE = re.compile(r"^[UW][A-Z0-9]{2,31}$")
ROLE_LABELS = {"municipal": "市町村職員", "prefecture": "府県職員", "bureau": "厚生局（管理者）"}
STATUS_LABELS = {"pending": "承認待ち", "approved": "承認済み", "rejected": "却下"}
_ROLE_WORDS = {
    "municipal": "municipal",
    "市町村": "municipal",
    "市町村職員": "municipal",
    "prefecture": "prefecture",
    "府県": "prefecture",
    "府県職員": "prefecture",
    "bureau": "bureau",
    "厚生局": "bureau",
}
_TRUE = {"1", "true", "yes", "y", "はい", "○", "admin", "管理者"}
_FALSE = {"", "0", "false", "no", "n", "いいえ"}


@dataclass(frozen=True)
class Member:
    user_id: str
    role: str
    is_admin: bool
    pref_code: str | None
    code5: str | None
    status: str
    requested_at: datetime
    decided_by: str | None = None
    request_id: str | None = None
    version: int = 0

    @property
    def approved(self) -> bool:
        return self.status == "approved"

    def can_approve(self, other: Member) -> bool:
        """Bureau admins approve anyone; a prefecture's admins approve their prefecture's."""
        if not (self.approved and self.is_admin):
            return False
        if self.role == "bureau":
            return True
        return (
            self.role == "prefecture"
            and other.pref_code == self.pref_code
            and (other.role in ("municipal", "prefecture"))
        )

    def can_view_municipality(self, code5: str, pref_code: str) -> bool:
        """A municipality's own staff, its prefecture's staff and the bureau see its answers."""
        if not self.approved:
            return False
        if self.role == "bureau":
            return True
        if self.role == "prefecture":
            return self.pref_code == pref_code
        return self.code5 == code5


def _member(row: SurveyMember) -> Member:
    return Member(
        row.user_id,
        row.role,
        bool(row.is_admin),
        row.pref_code,
        row.code5,
        row.status,
        row.requested_at,
        row.decided_by,
        row.request_id,
        int(row.version or 0),
    )


class NeedsConfirmation(UserError):
    """An approved member asked to register again: ask before their role is replaced.
    ``member`` is the registration as it stands (its version goes with the confirmation)."""

    def __init__(self, member: Member, role: str, pref: str | None, code5: str | None) -> None:
        super().__init__("今の登録を置き換える前に確認が必要です。")
        self.member = member
        self.target = (role, pref, code5)


class AlreadyDecided(UserError):
    """The request was decided already, or replaced by a newer one: nothing was changed."""


def check_user_id(user: str) -> str:
    user = (user or "").strip().lstrip("<@").rstrip(">").split("|", 1)[0]
    if not USER_ID_RE.match(user):
        raise UserError(
            f"Slack のメンバーIDの形式が正しくありません（値: {user!r}）。U0123ABCD のように指定してください。"
        )
    return user


def parse_role(word: str) -> str:
    role = _ROLE_WORDS.get((word or "").strip().lower())
    if role is None:
        raise UserError(
            f"役割「{word}」は指定できません。municipal（市町村職員）、prefecture（府県職員）、"
            "bureau（厚生局）のいずれかにしてください。"
        )
    return role


class Registry:
    """The registry over the project's database."""

    def __init__(self, engine: Engine, places: Places) -> None:
        self.engine = engine
        self.places = places
        self._session = session_factory(engine)

    # -- reading ----------------------------------------------------------------------------
    def get(self, user: str) -> Member | None:
        with self._session() as s:
            row = s.get(SurveyMember, user)
            return _member(row) if row else None

    def members(self, status: str | None = None) -> list[Member]:
        with self._session() as s:
            q = select(SurveyMember).order_by(
                SurveyMember.pref_code, SurveyMember.code5, SurveyMember.user_id
            )
            if status:
                q = q.where(SurveyMember.status == status)
            return [_member(r) for r in s.scalars(q)]

    def approvers_for(self, member: Member) -> list[str]:
        """Who may approve ``member``'s request: that prefecture's admins and bureau admins."""
        return [m.user_id for m in self.members("approved") if m.can_approve(member)]

    def users_of_prefecture(self, pref_code: str) -> list[str]:
        """Approved members working for the prefecture or one of its municipalities."""
        return [
            m.user_id
            for m in self.members("approved")
            if m.pref_code == pref_code and m.role in ("municipal", "prefecture")
        ]

    def describe(self, m: Member) -> str:
        """「茨木市（大阪府）の市町村職員」 for messages."""
        if m.role == "municipal" and m.code5:
            where = self.places.label(m.code5)
        elif m.role == "prefecture" and m.pref_code:
            where = self.places.pref_name(m.pref_code)
        else:
            where = "近畿厚生局"
        admin = "・管理者" if m.is_admin and m.role != "bureau" else ""
        return f"{where}の{ROLE_LABELS[m.role]}{admin}"

    # -- writing ----------------------------------------------------------------------------
    def target(self, place: str) -> tuple[str, str | None, str | None]:
        """(role, pref_code, code5) for 「茨木市」 or 「大阪府」 (a prefecture means its staff)."""
        place = (place or "").strip()
        if not place:
            raise UserError(
                "市町村名か府県名を指定してください（例: 茨木市、大阪府太子町、大阪府）。"
            )
        if self.places.is_pref_name(place):
            return "prefecture", self.places.pref_code_of(place), None
        code5 = self.places.muni_code_of(place)
        return "municipal", self.places.muni(code5).pref_code, code5

    def request(
        self,
        user: str,
        place: str,
        now: datetime | None = None,
        *,
        confirm_version: int | None = None,
    ) -> Member:
        """Record a pending request (replacing an earlier one) and return it.

        An approved member's registration is replaced only with ``confirm_version`` equal to
        its current version (they confirmed after seeing it); otherwise ``NeedsConfirmation``.
        A changed row meanwhile raises ``AlreadyDecided``; nothing is written then.
        """
        role, pref, code5 = self.target(place)
        with self._session.begin() as s:
            row = s.get(SurveyMember, user)
            if confirm_version is not None:
                if row is None or int(row.version or 0) != confirm_version:
                    raise AlreadyDecided(
                        "この確認はすでに処理されています（登録の内容が確認のあとに変わりました）。"
                        "申請し直すときは、もう一度 /hint-register から申請してください。"
                    )
            elif row is not None and row.status == "approved":
                raise NeedsConfirmation(_member(row), role, pref, code5)
            values = {
                "role": role,
                "pref_code": pref,
                "code5": code5,
                "is_admin": False,
                "status": "pending",
                "requested_at": now or utcnow(),
                "decided_at": None,
                "decided_by": None,
                "request_id": uuid.uuid4().hex[:16],
            }
            if row is None:
                s.add(SurveyMember(user_id=user, version=1, **values))
            else:
                version = int(row.version or 0)
                res = s.execute(
                    update(SurveyMember)
                    .where(SurveyMember.user_id == user, SurveyMember.version == version)
                    .values(version=version + 1, **values)
                    .execution_options(synchronize_session=False)
                )
                if res.rowcount != 1:
                    raise AlreadyDecided(
                        "登録の内容が同時に変更されたため、申請しませんでした。"
                        "もう一度 /hint-register から申請してください。"
                    )
            s.flush()
            s.expire_all()
            return _member(s.get(SurveyMember, user))

    def decide(
        self,
        admin: str,
        user: str,
        approve: bool,
        now: datetime | None = None,
        *,
        request_id: str | None = None,
        version: int | None = None,
    ) -> Member:
        """Approve or reject a pending request; only a permitted admin may.

        A compare-and-set on the row's version (and, from a button, on the request it names):
        a request decided meanwhile, or replaced by a newer one, raises ``AlreadyDecided``
        (「すでに処理されています」) and nothing changes.
        """
        with self._session.begin() as s:
            row = s.get(SurveyMember, user)
            if row is None:
                raise UserError(f"<@{user}> さんの登録申請は見つかりません。")
            judge = s.get(SurveyMember, admin)
            current = _member(row)
            if judge is None or not _member(judge).can_approve(current):
                raise UserError(
                    "この申請を承認・却下する権限がありません。その府県の管理者か、"
                    "厚生局の管理者にご依頼ください。"
                )
            replaced = (request_id is not None and current.request_id != request_id) or (
                version is not None and current.version != version
            )
            if row.status != "pending" or replaced:
                raise AlreadyDecided(self._decided_text(user, current, replaced))
            conds = [
                SurveyMember.user_id == user,
                SurveyMember.status == "pending",
                SurveyMember.version == current.version,
            ]
            res = s.execute(
                update(SurveyMember)
                .where(*conds)
                .values(
                    status="approved" if approve else "rejected",
                    decided_at=now or utcnow(),
                    decided_by=admin,
                    version=current.version + 1,
                )
                .execution_options(synchronize_session=False)
            )
            if res.rowcount == 1:
                s.expire_all()
                return _member(s.get(SurveyMember, user))
        # another click (another worker) decided it first: nothing was changed here
        raise AlreadyDecided(self._decided_text(user, self.get(user), False))

    @staticmethod
    def _decided_text(user: str, m: Member | None, replaced: bool) -> str:
        if replaced:
            return (
                f"<@{user}> さんのこの申請はすでに処理されています"
                "（新しい申請に置き換えられたか、取り下げられました）。何も変更していません。"
            )
        status = STATUS_LABELS.get(m.status, m.status) if m else "削除済み"
        return f"<@{user}> さんの申請はすでに処理されています（{status}）。"

    def set(
        self,
        user: str,
        *,
        role: str,
        place: str | None = None,
        admin: bool = False,
        by: str = "cli",
        now: datetime | None = None,
    ) -> Member:
        """Set a member directly (approved): bootstrapping and the CSV import."""
        member = self._validated(user, role, place, admin)
        with self._session.begin() as s:
            self._put(s, member, by, now)
        return self.get(member.user_id)  # type: ignore[return-value]

    def remove(self, user: str) -> bool:
        with self._session.begin() as s:
            return bool(
                s.execute(delete(SurveyMember).where(SurveyMember.user_id == user)).rowcount
            )

    def _validated(self, user: str, role: str, place: str | None, admin: bool) -> Member:
        user = check_user_id(user)
        role = parse_role(role)
        pref = code5 = None
        if role == "bureau":
            admin = True
        elif not place:
            raise UserError(
                "市町村職員には --municipality、府県職員には --prefecture を指定してください。"
            )
        elif role == "prefecture":
            pref = self.places.pref_code_of(place)
        else:
            code5 = self.places.muni_code_of(place)
            pref = self.places.muni(code5).pref_code
        return Member(user, role, admin, pref, code5, "approved", utcnow())

    @staticmethod
    def _put(s: object, m: Member, by: str, now: datetime | None) -> None:
        from sqlalchemy.orm import Session

        assert isinstance(s, Session)
        row = s.get(SurveyMember, m.user_id)
        if row is None:
            row = SurveyMember(user_id=m.user_id)
            s.add(row)
        at = now or utcnow()
        row.role, row.is_admin, row.pref_code, row.code5 = m.role, m.is_admin, m.pref_code, m.code5
        row.version = int(row.version or 0) + 1
        row.request_id = None
        row.status = "approved"
        row.requested_at = at
        row.decided_at = at
        row.decided_by = by

    def import_csv(self, path: Path, by: str = "cli") -> int:
        """All rows or none: user_id, role, municipality or prefecture, admin (optional)."""
        members = self.parse_csv(path)
        with self._session.begin() as s:
            for m in members:
                self._put(s, m, by, None)
        return len(members)

    def parse_csv(self, path: Path) -> list[Member]:
        from analytics.importer import decode_bytes

        if not path.exists():
            raise UserError(f"ファイル {path} が見つかりません。")
        try:
            text = decode_bytes(path.read_bytes(), path.name)
        except ValueError as exc:
            raise UserError(str(exc)) from exc
        rows = list(csv.reader(io.StringIO(text, newline="")))
        rows = [r for r in rows if any(c.strip() for c in r) and not r[0].startswith("#")]
        if not rows:
            raise UserError(f"{path.name} にデータがありません。")
        header = [h.strip().lower() for h in rows[0]]
        cols = _registry_columns(header, path.name)
        errors: list[str] = []
        out: list[Member] = []
        seen: dict[str, int] = {}
        for line, row in enumerate(rows[1:], start=2):
            cell = {k: (row[i].strip() if i < len(row) else "") for k, i in cols.items()}
            try:
                admin_word = cell.get("admin", "").lower()
                if admin_word not in _TRUE | _FALSE:
                    raise UserError(f"admin 列の値「{cell['admin']}」は 1 か 0 で書いてください。")
                place = cell.get("municipality") or cell.get("prefecture") or None
                role = cell.get("role") or (
                    "prefecture"
                    if cell.get("prefecture") and not cell.get("municipality")
                    else "municipal"
                )
                m = self._validated(cell.get("user_id", ""), role, place, admin_word in _TRUE)
            except UserError as exc:
                errors.append(f"{path.name} {line}行目: {exc}")
                continue
            if m.user_id in seen:
                errors.append(
                    f"{path.name} {line}行目: {m.user_id} は {seen[m.user_id]}行目にもあります。"
                )
                continue
            seen[m.user_id] = line
            out.append(m)
        if errors:
            raise UserError(
                f"{path.name} を取り込めませんでした。登録内容は変更していません。\n"
                + "\n".join(f"・{e}" for e in errors[:50])
            )
        return out


_HEADER_ALIASES = {
    "user_id": ("user_id", "user", "slack_id", "メンバーid", "slackid", "ユーザーid"),
    "role": ("role", "役割"),
    "municipality": ("municipality", "市町村", "市町村名", "市区町村名"),
    "prefecture": ("prefecture", "府県", "都道府県", "府県名"),
    "admin": ("admin", "管理者"),
}


def _registry_columns(header: Sequence[str], file: str) -> dict[str, int]:
    cols: dict[str, int] = {}
    for i, h in enumerate(header):
        for key, aliases in _HEADER_ALIASES.items():
            if h in aliases and key not in cols:
                cols[key] = i
    if "user_id" not in cols:
        raise UserError(
            f"{file} の1行目に user_id 列がありません。見出しは user_id, role, municipality, "
            "prefecture, admin としてください。"
        )
    if "municipality" not in cols and "prefecture" not in cols:
        raise UserError(f"{file} の1行目に municipality 列か prefecture 列が必要です。")
    return cols


__all__ = [
    "ROLES",
    "ROLE_LABELS",
    "AlreadyDecided",
    "Member",
    "NeedsConfirmation",
    "Registry",
    "check_user_id",
    "parse_role",
]
