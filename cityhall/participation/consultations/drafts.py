"""Drafts pasted as text, split into numbered articles, and Chinese numerals.

The draft is pasted as text and split into numbered articles: a line that begins with 第N条
(Chinese numerals 第一条 … 第十二条 … 第一百条, or digits 第1条) starts article N. Articles must
run 1, 2, 3 … without gaps; a line that starts with another number followed by a space or a
bracket is a numbering mistake and is refused, while one running straight on (第五条规定的……)
is ordinary text. Chapter and section lines (第一章 总则) become the heading of the article that
follows, with a bracketed caption (第一条【立法目的】) if there is one. Text before the first
article is refused (the drafting notes have a field of their own), except a first line repeating
the title. A text with no numbered article at all is kept whole as one article shown as 全文.
"""

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from cityhall.core.errors import DomainError
from cityhall.participation.abuse import text_clean

DRAFT_MAX, HEADING_MAX, ARTICLES_MAX = 50_000, 200, 500

# A draft pasted without numbered articles is kept as one article with this heading; it is
# shown as "全文" rather than "第一条".
UNNUMBERED_HEADING = "全文"

DIGITS = "零一二三四五六七八九"
NUMERAL_VALUES = {**{c: i for i, c in enumerate(DIGITS)}, "〇": 0, "两": 2}
NUMERAL_UNITS = {"十": 10, "百": 100, "千": 1000}


def chinese_numeral(n: int) -> str:
    """1 → 一, 12 → 十二, 101 → 一百零一, 110 → 一百一十 (1 to 9999)."""
    if not 0 < n < 10000:
        return str(n)
    if n < 10:
        return DIGITS[n]
    if n < 20:
        return "十" + (DIGITS[n % 10] if n % 10 else "")
    parts: list[str] = []
    gap = False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = n // value % 10
        if digit:
            if gap:
                parts.append("零")
                gap = False
            parts.append(DIGITS[digit] + unit)
        elif parts:
            gap = True
    return "".join(parts)


def numeral_value(text: str) -> int:
    """The number a Chinese numeral (十二, 一百零一, 两百) or Arabic digits (12, １２) stand for."""
    if text.isdigit():
        return int(text)
    total = current = 0
    for char in text:
        if char in NUMERAL_UNITS:
            total += (current or 1) * NUMERAL_UNITS[char]
            current = 0
        else:
            current = NUMERAL_VALUES[char]
    return total + current


_NUMERAL = "[" + "".join(NUMERAL_VALUES) + "".join(NUMERAL_UNITS) + "]+|[0-9０-９]+"
ARTICLE_LINE = re.compile(rf"^第\s*({_NUMERAL})\s*条(.*)$")
CHAPTER_LINE = re.compile(rf"^第\s*(?:{_NUMERAL})\s*[编章节]")
SEPARATORS = " \t\u3000:：、.．"
CAPTION = re.compile(r"^[【〔\[]([^】〕\]]{1,60})[】〕\]]")
DRAFT_MARKS = re.compile(r"[（(](?:征求意见稿|草案|送审稿|草案征求意见稿)[)）]")


# --- the draft ------------------------------------------------------------------------------


@dataclass
class ParsedArticle:
    number: int
    heading: str
    lines: list[str] = field(default_factory=list)

    @property
    def body(self) -> str:
        return "\n".join(self.lines).strip()


@dataclass(frozen=True)
class ParsedDraft:
    articles: list[ParsedArticle]

    @property
    def numbered(self) -> bool:
        return not (len(self.articles) == 1 and self.articles[0].heading == UNNUMBERED_HEADING)


def _bare_title(text: str) -> str:
    return DRAFT_MARKS.sub("", text).strip(" 《》\u3000")


def draft_parse(text: str, *, title: str = "") -> ParsedDraft:
    """Split a pasted draft into its numbered articles (rules in the module docstring)."""
    text = text_clean(text, label=_("草案正文"), limit=DRAFT_MAX)
    lines = [line.strip(" \t\u3000") for line in text.split("\n")]
    articles: list[ParsedArticle] = []
    preamble: list[str] = []
    pending: list[str] = []  # chapter lines waiting for the article they head
    for index, line in enumerate(lines, start=1):
        match = ARTICLE_LINE.match(line)
        if match:
            number = numeral_value(match.group(1))
            expected = len(articles) + 1
            rest = match.group(2)
            if number == expected:
                rest = rest.lstrip(SEPARATORS)
                caption = CAPTION.match(rest)
                if caption:
                    rest = rest[caption.end() :].lstrip(SEPARATORS)
                heading = " · ".join([*pending, *([caption.group(1)] if caption else [])])
                pending = []
                articles.append(
                    ParsedArticle(number, heading[:HEADING_MAX], [rest] if rest else [])
                )
                continue
            if not rest or rest[0] in SEPARATORS + "【〔[（(":
                raise DomainError(
                    _(
                        "条文编号不连续（第 %(line)d 行）：这里应为第%(expected)s条，"
                        "草案中写的是“第%(found)s条”。请检查是否漏写、重复或写错了条号。"
                    )
                    % {
                        "line": index,
                        "expected": chinese_numeral(expected),
                        "found": match.group(1),
                    },
                    code="numbering",
                )
        if CHAPTER_LINE.match(line):
            pending.append(line)
            continue
        target = articles[-1].lines if articles else preamble
        target.extend(pending)
        pending = []
        target.append(line)
    if not articles:
        return ParsedDraft([ParsedArticle(1, UNNUMBERED_HEADING, [text])])
    articles[-1].lines.extend(pending)
    preamble = [line for line in preamble if line]
    if preamble and title and _bare_title(preamble[0]) == _bare_title(title):
        preamble = preamble[1:]
    if preamble:
        raise DomainError(
            _(
                "第一条之前有其他文字（“%(text)s”）。起草背景和说明请写在“起草说明”中，"
                "草案正文请从“第一条”开始。"
            )
            % {"text": preamble[0][:30]},
            code="preamble",
        )
    if len(articles) > ARTICLES_MAX:
        raise DomainError(_("草案最多 %(n)d 条") % {"n": ARTICLES_MAX}, code="too_many_articles")
    for article in articles:
        if not article.body:
            raise DomainError(
                _("第%(n)s条没有内容") % {"n": chinese_numeral(article.number)},
                code="empty_article",
            )
    return ParsedDraft(articles)
