"""A brief as plain text (the terminal, Slack's notification text) and as Markdown
(``hintbot brief --markdown FILE``), both from the one document (``bot.brief.document``)."""

from __future__ import annotations

from collections.abc import Iterable

from bot.brief.document import Block, Bullets, Chart, Document, Para, Sub, Table, build
from bot.brief.model import Brief


def plain(brief: Brief | Document) -> str:
    doc = brief if isinstance(brief, Document) else build(brief)
    lines = [doc.title, *doc.notes]
    for sec in doc.sections:
        lines += ["", f"■ {sec.heading}"]
        for block in sec.blocks:
            lines += block_lines(block)
    lines += ["", "出典: " + "／".join(doc.sources)]
    return "\n".join(lines)


def block_lines(block: Block) -> list[str]:
    """One block as plain-text lines (also Block Kit's, which adds its own markup)."""
    if isinstance(block, Para):
        return [("  " if block.small else "") + block.text]
    if isinstance(block, Bullets):
        return [
            (f"  {i}. " if block.numbered else "  ・") + item
            for i, item in enumerate(block.items, 1)
        ]
    if isinstance(block, Table):
        prefixes = block.prefixes or ("",) * len(block.header)
        out = []
        for row in block.rows:
            rest = "、".join(p + c for p, c in zip(prefixes[2:], row[2:], strict=True) if c != "―")
            out.append(f"・{row[0]}：{row[1]}" + (f"（{rest}）" if rest else ""))
        return out
    if isinstance(block, Sub):
        return ["", f"◆ {block.text}"]
    assert isinstance(block, Chart)
    return []


def markdown(briefs: Brief | Document | Iterable[Brief]) -> str:
    """One brief, or several one after another (a prefecture's), as Markdown."""
    if isinstance(briefs, Brief | Document):
        return _markdown_one(briefs if isinstance(briefs, Document) else build(briefs))
    return "\n\n---\n\n".join(_markdown_one(build(b)) for b in briefs)


def _cell(text: str) -> str:
    return text.replace("|", "｜").replace("\n", " ")


def _markdown_one(doc: Document) -> str:
    lines = [f"# {doc.title}", ""]
    lines += [f"{n}  " for n in doc.notes]
    for sec in doc.sections:
        lines += ["", f"## {sec.heading}", ""]
        for block in sec.blocks:
            if isinstance(block, Para):
                lines += [f"<small>{block.text}</small>" if block.small else block.text, ""]
            elif isinstance(block, Bullets):
                lines += [
                    (f"{i}. " if block.numbered else "- ") + item
                    for i, item in enumerate(block.items, 1)
                ]
                lines.append("")
            elif isinstance(block, Table):
                lines.append("| " + " | ".join(_cell(h) for h in block.header) + " |")
                lines.append("|" + "|".join("---" for _ in block.header) + "|")
                lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in block.rows]
                lines.append("")
            elif isinstance(block, Sub):
                lines += [f"### {block.text}", ""]
    lines += ["---", "", "出典: " + "／".join(doc.sources), ""]
    return "\n".join(lines).replace("\n\n\n", "\n\n")
