"""Bar charts drawn on the server as inline SVG: no JavaScript, no chart library.

The SVG is one image to assistive technology (role="img", named by its <title>); the figures
themselves are in a data table next to it, which screen readers read (and which is hidden on
screen, where the bars carry the same numbers as text). Colour carries no meaning: every bar is
the same colour and its count and share are written beside it.
"""

from collections.abc import Sequence

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

WIDTH = 640
LABEL_WIDTH = 210  # the options' labels, right-aligned against the bars
BAR_X = LABEL_WIDTH + 10
BAR_SPACE = 300  # the longest bar; its count and share are written after it
ROW_HEIGHT = 34
BAR_HEIGHT = 22
PADDING = 8
LABEL_CHARS = 14  # longer labels are cut in the chart (the table has them whole)
BAR_COLOUR = "#0b57a4"  # the site's link blue: 7:1 against white
INK = "#1b1f24"

Row = tuple[str, int, float]  # label, count, percent


def percent_text(percent: float) -> str:
    """66.7 → "66.7%", 100.0 → "100%"."""
    text = f"{percent:.1f}".removesuffix(".0")
    return f"{text}%"


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


def count_text(count: int, percent: float) -> str:
    return _("%(count)d 人（%(percent)s）") % {"count": count, "percent": percent_text(percent)}


def shares(rows: Sequence[tuple[str, int]], total: int | None = None) -> list[Row]:
    """(label, count) rows with each count's percentage of the total (default: their sum)."""
    base = sum(count for _label, count in rows) if total is None else total
    return [(label, count, round(100 * count / base, 1) if base else 0.0) for label, count in rows]


def bar_chart_svg(*, chart_id: str, title: str, rows: Sequence[Row]) -> SafeString:
    """An SVG of horizontal bars, one per (label, count, percent) row, named by its title."""
    height = PADDING * 2 + ROW_HEIGHT * max(len(rows), 1)
    most = max((count for _label, count, _percent in rows), default=0) or 1
    bars = []
    for n, (label, count, percent) in enumerate(rows):
        top = PADDING + n * ROW_HEIGHT
        middle = top + ROW_HEIGHT / 2
        length = round(BAR_SPACE * count / most, 1)
        bars.append(
            (
                LABEL_WIDTH,
                middle,
                INK,
                _short(label),
                BAR_X,
                top + (ROW_HEIGHT - BAR_HEIGHT) / 2,
                length,
                BAR_HEIGHT,
                BAR_COLOUR,
                BAR_X + length + 8,
                middle,
                INK,
                count_text(count, percent),
            )
        )
    body = format_html_join(
        "",
        '<text x="{}" y="{}" fill="{}" text-anchor="end" dominant-baseline="middle">{}</text>'
        '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"></rect>'
        '<text x="{}" y="{}" fill="{}" dominant-baseline="middle">{}</text>',
        bars,
    )
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="{id}-title" '
        'viewBox="0 0 {w} {h}" width="100%" '
        'style="max-width: {w}px; height: auto; font-size: 14px" class="bar-chart">'
        '<title id="{id}-title">{title}</title>{body}</svg>',
        id=chart_id,
        w=WIDTH,
        h=height,
        title=title,
        body=body,
    )


def data_table(*, title: str, rows: Sequence[Row], label_heading: str) -> SafeString:
    """The chart's figures as a table (caption, column headings) for screen readers."""
    body = format_html_join(
        "",
        '<tr><th scope="row">{}</th><td>{}</td><td>{}</td></tr>',
        ((label, count, percent_text(percent)) for label, count, percent in rows),
    )
    # Hidden by a wrapper, not on the table: a table is never narrower than its content, so a
    # hidden table would still widen the page (a sideways scroll on a phone).
    return format_html(
        '<div class="visually-hidden"><table class="data"><caption>{}</caption><thead><tr>'
        '<th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th>'
        "</tr></thead><tbody>{}</tbody></table></div>",
        title,
        label_heading,
        _("人数"),
        _("占比"),
        body,
    )


def bar_chart(
    *,
    chart_id: str,
    title: str,
    rows: Sequence[tuple[str, int]],
    total: int | None = None,
    label_heading: str = "",
) -> SafeString:
    """A figure of (label, count) rows: the SVG bars, each with its count and its share of the
    total (default: the sum of the counts; a multiple-choice question passes the number of
    people who answered), and next to them the same figures as a table."""
    with_shares = shares(rows, total)
    return format_html(
        '<figure class="chart" id="{}">{}{}</figure>',
        chart_id,
        bar_chart_svg(chart_id=chart_id, title=title, rows=with_shares),
        data_table(title=title, rows=with_shares, label_heading=label_heading or _("选项")),
    )
