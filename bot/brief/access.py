"""Who may see which brief and which visit records, from the survey's registry.

- A brief: a municipality's own staff, its prefecture's staff and the bureau (as the survey's
  answers: ``Member.can_view_municipality``).
- Visit records (reading and writing): only prefecture staff for the municipalities of their
  prefecture, and the bureau for all. A municipality's own staff get its brief without them.

The command line runs as an operator and checks nothing here; Slack asks these functions and
tells anyone refused why, in Japanese.
"""

from __future__ import annotations

from bot.survey.registry import Member, Registry

NOT_REGISTERED = (
    "ブリーフや訪問記録を使うには、所属の登録が必要です。`/hint-register 市町村名` または "
    "`/hint-register 府県名`（例: `/hint-register 大阪府`）で登録を申請してください。"
    "府県または厚生局の管理者が承認すると使えるようになります。"
)
NOT_APPROVED = "所属の登録（{what}）がまだ承認されていないため、お使いいただけません。"
BRIEF_NOT_YOURS = (
    "{label}のブリーフは、{name}の職員、{pref}の職員、厚生局の方だけがご覧いただけます"
    "（あなたの登録: {what}）。"
)
VISITS_MUNICIPAL = (
    "訪問記録を書き込み・閲覧できるのは、府県の職員（自府県の市町村）と厚生局の方です"
    "（あなたの登録: {what}）。"
)
VISITS_OTHER_PREF = "{label}の訪問記録を書き込み・閲覧できるのは、{pref}の職員と厚生局の方です（あなたの登録: {what}）。"
VISITS_HIDDEN = "訪問記録は府県・厚生局の職員だけがご覧いただけます。"


def may_see_brief(member: Member | None, code5: str, pref_code: str) -> bool:
    return member is not None and member.can_view_municipality(code5, pref_code)


def may_use_visits(member: Member | None, pref_code: str) -> bool:
    """Prefecture staff for their prefecture's municipalities; the bureau for all."""
    if member is None or not member.approved:
        return False
    if member.role == "bureau":
        return True
    return member.role == "prefecture" and member.pref_code == pref_code


def _status(member: Member | None, registry: Registry) -> str | None:
    if member is None:
        return NOT_REGISTERED
    if not member.approved:
        return NOT_APPROVED.format(what=registry.describe(member))
    return None


def brief_refusal(member: Member | None, registry: Registry, code5: str) -> str | None:
    """Why ``member`` may not get the brief of ``code5`` (None: they may)."""
    status = _status(member, registry)
    if status or member is None:
        return status or NOT_REGISTERED
    places = registry.places
    m = places.muni(code5)
    if may_see_brief(member, code5, m.pref_code):
        return None
    return BRIEF_NOT_YOURS.format(
        label=places.label(code5), name=m.name, pref=m.pref_name, what=registry.describe(member)
    )


def visits_refusal(member: Member | None, registry: Registry, code5: str) -> str | None:
    """Why ``member`` may not read or write the visit records of ``code5`` (None: they may)."""
    status = _status(member, registry)
    if status or member is None:
        return status or NOT_REGISTERED
    places = registry.places
    m = places.muni(code5)
    if may_use_visits(member, m.pref_code):
        return None
    what = registry.describe(member)
    if member.role == "municipal":
        return VISITS_MUNICIPAL.format(what=what)
    return VISITS_OTHER_PREF.format(label=places.label(code5), pref=m.pref_name, what=what)
