"""Report bodies as they look after being pasted from Word (or WPS) into a portal's editor.

Most reports are drafted in Word and pasted into the CMS editor (TRS WCM, Hanweb jcms), which keeps Word's
HTML: every paragraph a `<p class="MsoNormal">` with its run properties in `<span style=…>`, figures in
runs of their own (`<span lang="EN-US">`, Word's language tag for Latin text), `<o:p></o:p>` at paragraph
ends, and every table cell a sized `<td>` holding one such paragraph (a blank cell holds a `&nbsp;`).
`word_pasted` rewrites a body of `crawler.sampleportal.render` (one element per line, XML-style) into that
markup; what it shows is unchanged, so a parse must give the same report either way
(tests/test_portal_pages.py).
"""

from __future__ import annotations

import html
import re
from typing import Final

_BODY_FONT: Final[str] = "font-family:仿宋_GB2312;font-size:16pt;"
_HEADING_FONT: Final[str] = "font-family:黑体;font-size:16pt;"
_CELL_FONT: Final[str] = "font-family:宋体;font-size:10.5pt;"
_PARAGRAPH_STYLE: Final[dict[str, str]] = {
    "text-indent:2em;": "text-indent:32pt;line-height:28pt;",
    "text-align:center;": "text-align:center;line-height:28pt;",
    "text-align:right;": "text-align:right;line-height:28pt;",
}
# Runs of Latin text (figures, years): Word writes each in a span of its own.
_LATIN_RUN = re.compile(r"[0-9A-Za-z.%+-]+")
_PARAGRAPH = re.compile(r'^<p(?: style="([^"]*)")?>(<strong>)?(.*?)(?:</strong>)?</p>$')
_TABLE_OPEN = re.compile(r"<table[^>]*>")
_CELL = re.compile(r'<td((?: rowspan="\d+")?(?: colspan="\d+")?)>(.*?)</td>')
_ROW_OPEN = "<tr>"
_CELL_WIDTH_PT: Final[int] = 48  # one column's width; a merged cell spans several


def _runs(text: str, font: str) -> str:
    """The (escaped) text as Word's runs: Latin runs apart from the Chinese around them."""
    text = html.unescape(text)
    out: list[str] = []
    at = 0
    for match in _LATIN_RUN.finditer(text):
        if match.start() > at:
            out.append(f'<span style="{font}">{html.escape(text[at : match.start()])}</span>')
        out.append(f'<span lang="EN-US">{html.escape(match.group())}</span>')
        at = match.end()
    if at < len(text):
        out.append(f'<span style="{font}">{html.escape(text[at:])}</span>')
    return "".join(out)


def _paragraph(line: str) -> str:
    match = _PARAGRAPH.match(line)
    if match is None or "<img" in line:
        return line
    style, strong, text = match.groups()
    word_style = _PARAGRAPH_STYLE.get(style or "", style or "")
    inner = f"<b>{_runs(text, _HEADING_FONT)}</b>" if strong else _runs(text, _BODY_FONT)
    align = ' align="center"' if "center" in word_style else ' align="right"' if "right" in word_style else ""
    return f'<p class="MsoNormal"{align} style="{word_style}">{inner}<o:p></o:p></p>'


def _cell(match: re.Match[str]) -> str:
    spans, text = match.groups()
    colspan = re.search(r'colspan="(\d+)"', spans)
    width = _CELL_WIDTH_PT * (int(colspan.group(1)) if colspan else 1)
    content = _runs(text, _CELL_FONT) if text else '<span lang="EN-US">&nbsp;</span>'
    return (
        f'<td width="{width * 4 // 3}"{spans} valign="center" style="width:{width}pt;padding:0 5.4pt;">'
        f'<p class="MsoNormal" align="center">{content}</p></td>'
    )


def _table(line: str) -> str:
    line = _TABLE_OPEN.sub(
        '<div align="center"><table class="MsoNormalTable" border="1" cellspacing="0" cellpadding="0" '
        'style="border-collapse:collapse;border:none;">',
        line,
        count=1,
    )
    line = line.replace(_ROW_OPEN, '<tr style="height:20pt;">').replace("</table>", "</table></div>")
    return _CELL.sub(_cell, line)


def word_pasted(body_html: str) -> str:
    """`render.report_body`'s (or `page_body`'s) markup as Word's HTML pasted into an editor."""
    out = []
    for line in body_html.splitlines():
        out.append(_table(line) if line.startswith("<table") else _paragraph(line))
    return "\n".join(out) + "\n"
