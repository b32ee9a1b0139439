"""The ceremony's papers as PDF: diplomas, participant certificates and the jury's protocol.

fpdf2 draws them, as it draws the forum's QR posters (`forums/posters.py`): pure Python (no
Cairo, Pango or a headless browser to install, unlike WeasyPrint or a Chromium print), kept
up to date, and it embeds TrueType fonts with their Unicode maps and subsets them, so Cyrillic
stays real text that a reader can search and copy (the tests extract it with pypdf). The font
is Roboto from the `font-roboto` package, installed by pip with the project. QR codes are
segno's matrix drawn as vector squares: sharp at any print size.

A paper's words come from `awards.selectors.PaperFacts`, read from the frozen archive; this
module only lays them out. `papers()` puts many on one document (one font parse and subset for
the whole stack: that is what the printer gets and what `bench/contest_documents.py` times).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

import font_roboto
import segno
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from fpdf import FPDF
from fpdf.fonts import FontFace

from awards.selectors import PaperFacts, ProtocolFacts, as_number, prize_place, rows_of

PAGE_W, PAGE_H = 297.0, 210.0  # A4 landscape, millimetres
NAVY = (22, 44, 92)
GOLD = (176, 137, 54)
INK = (24, 26, 30)
MUTED = (88, 94, 106)
CREAM = (253, 250, 242)

ROMAN = ["", "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X",
         "XI", "XII", "XIII", "XIV", "XV", "XVI", "XVII", "XVIII", "XIX", "XX"]


def roman(number: int) -> str:
    return ROMAN[number] if 0 < number < len(ROMAN) else str(number)


def _pdf(orientation: str) -> FPDF:
    pdf = FPDF(orientation=orientation, unit="mm", format="A4")
    pdf.add_font("Roboto", "", font_roboto.Roboto)
    pdf.add_font("Roboto", "B", font_roboto.RobotoBold)
    pdf.add_font("Roboto", "I", font_roboto.RobotoItalic)
    pdf.add_font("RobotoLight", "", font_roboto.RobotoLight)
    pdf.set_creator("Veche")
    return pdf


def qr(pdf: FPDF, url: str, *, x: float, y: float, size: float) -> None:
    """`url` as a QR code of `size` mm at (x, y), quiet zone included, drawn in runs of dark modules."""
    matrix = [list(row) for row in segno.make(url, error="m").matrix_iter(scale=1, border=2)]
    module = size / len(matrix)
    pdf.set_fill_color(255, 255, 255)
    pdf.rect(x, y, size, size, style="F")
    pdf.set_fill_color(0, 0, 0)
    for row_index, row in enumerate(matrix):
        column = 0
        while column < len(row):
            if not row[column]:
                column += 1
                continue
            start = column
            while column < len(row) and row[column]:
                column += 1
            # A hair wider, so adjacent squares print without white seams.
            pdf.rect(x + start * module, y + row_index * module, (column - start) * module + 0.01, module + 0.01,
                     style="F")


def _fit(pdf: FPDF, text: str, *, family: str, style: str, size: float, smallest: float, width: float,
         lines: int) -> float:
    """The largest font size from `size` down to `smallest` at which `text` takes at most `lines` lines."""
    while size > smallest:
        pdf.set_font(family, style, size)
        wrapped = cast(list[str], pdf.multi_cell(width, size * 0.42, text, dry_run=True, output="LINES"))
        if len(wrapped) <= lines:
            return size
        size -= 1
    return smallest


def _centred(pdf: FPDF, text: str, *, y: float, size: float, style: str = "", family: str = "Roboto",
             colour: tuple[int, int, int] = INK, width: float = 220, smallest: float | None = None,
             lines: int = 2, spacing: float = 0) -> float:
    size = _fit(pdf, text, family=family, style=style, size=size, smallest=smallest or size, width=width, lines=lines)
    pdf.set_font(family, style, size)
    pdf.set_text_color(*colour)
    pdf.set_char_spacing(spacing)
    pdf.set_xy((PAGE_W - width) / 2, y)
    pdf.multi_cell(width, size * 0.42, text, align="C")
    pdf.set_char_spacing(0)
    return pdf.get_y()


def _frame(pdf: FPDF) -> None:
    """Cream paper, a navy double border, a gold hairline and small diamonds in the corners."""
    pdf.set_fill_color(*CREAM)
    pdf.rect(0, 0, PAGE_W, PAGE_H, style="F")
    pdf.set_draw_color(*NAVY)
    pdf.set_line_width(1.6)
    pdf.rect(8, 8, PAGE_W - 16, PAGE_H - 16)
    pdf.set_line_width(0.35)
    pdf.rect(11, 11, PAGE_W - 22, PAGE_H - 22)
    pdf.set_draw_color(*GOLD)
    pdf.set_line_width(0.5)
    pdf.rect(14, 14, PAGE_W - 28, PAGE_H - 28)
    pdf.set_fill_color(*GOLD)
    for cx, cy in ((14, 14), (PAGE_W - 14, 14), (14, PAGE_H - 14), (PAGE_W - 14, PAGE_H - 14)):
        pdf.polygon([(cx, cy - 3.2), (cx + 3.2, cy), (cx, cy + 3.2), (cx - 3.2, cy)], style="F")


def _rule(pdf: FPDF, y: float, half: float = 30) -> None:
    """A short gold rule with a diamond in the middle, under the title."""
    middle = PAGE_W / 2
    pdf.set_draw_color(*GOLD)
    pdf.set_line_width(0.5)
    pdf.line(middle - half, y, middle - 3, y)
    pdf.line(middle + 3, y, middle + half, y)
    pdf.set_fill_color(*GOLD)
    pdf.polygon([(middle, y - 1.8), (middle + 1.8, y), (middle, y + 1.8), (middle - 1.8, y)], style="F")


def _paper(pdf: FPDF, facts: PaperFacts, verify_url: str) -> None:
    pdf.add_page()
    pdf.set_auto_page_break(False)
    _frame(pdf)
    place_line = ""
    heading = _("Diploma") if facts.kind == "diploma" else _("Certificate")
    y = _centred(pdf, facts.forum.upper(), y=25, size=13, colour=NAVY, spacing=0.6, smallest=9, lines=2)
    if facts.city:
        y = _centred(pdf, facts.city, y=y + 0.5, size=11, colour=MUTED, family="RobotoLight")
    y = _centred(pdf, heading.upper(), y=y + 9, size=50, style="B", colour=NAVY, spacing=3, lines=1)
    if facts.kind == "diploma" and facts.place:
        place_line = _("Place %(place)s") % {"place": roman(facts.place)}
        y = _centred(pdf, place_line.upper(), y=y + 3, size=24, style="B", colour=GOLD, spacing=1.5, lines=1)
    else:
        y = _centred(pdf, _("of a contest participant").upper(), y=y + 3, size=17, colour=GOLD, spacing=1.2, lines=1)
    _rule(pdf, y + 6)
    y += 13
    y = _centred(pdf, _("is awarded to") if facts.kind == "diploma" else _("is given to"), y=y, size=13,
                 family="RobotoLight", colour=MUTED)
    y = _centred(pdf, facts.team, y=y + 3, size=28, style="B", smallest=16, width=230)
    if facts.territory:
        y = _centred(pdf, facts.territory, y=y + 0.5, size=12, colour=MUTED, family="RobotoLight")
    y = _centred(pdf, _("for the practice «%(title)s»") % {"title": facts.title}, y=y + 6, size=17,
                 style="I", smallest=11, width=220)
    y = _centred(pdf, _("in the nomination «%(nomination)s»") % {"nomination": facts.nomination}, y=y + 3,
                 size=14, smallest=10)
    _centred(pdf, _("of the contest «%(contest)s»") % {"contest": facts.contest}, y=y + 1, size=12,
             colour=MUTED, smallest=9)

    # Signatures at the bottom left, the QR code and the number at the bottom right.
    base = PAGE_H - 48
    pdf.set_text_color(*INK)
    pdf.set_draw_color(*INK)
    pdf.set_line_width(0.25)
    for offset, label in ((0, _("Chair of the jury")), (13, _("Organiser"))):
        pdf.set_font("Roboto", "", 10)
        pdf.set_xy(26, base + offset)
        pdf.cell(42, 6, label)
        pdf.line(70, base + offset + 5, 118, base + offset + 5)
        pdf.set_font("RobotoLight", "", 7)
        pdf.set_xy(70, base + offset + 5.5)
        pdf.cell(48, 3, _("signature"), align="C")
    pdf.set_font("Roboto", "", 10)
    pdf.set_xy(26, base + 24)
    pdf.cell(100, 6, ", ".join(part for part in (facts.city, facts.date) if part))

    size = 30.0
    left = PAGE_W - 26 - size
    qr(pdf, verify_url, x=left, y=PAGE_H - 22 - size, size=size)
    pdf.set_text_color(*INK)
    pdf.set_font("Roboto", "B", 10)
    pdf.set_xy(left - 62, PAGE_H - 22 - size + 4)
    pdf.multi_cell(60, 4.5, _("№ %(number)s") % {"number": facts.number}, align="R")
    pdf.set_font("RobotoLight", "", 8)
    pdf.set_xy(left - 62, pdf.get_y() + 1)
    pdf.multi_cell(60, 3.6, _("Scan to check the paper against the forum's archive:"), align="R")
    pdf.set_font("Roboto", "", 7.5)
    pdf.set_xy(left - 62, pdf.get_y() + 0.5)
    pdf.multi_cell(60, 3.4, verify_url.split("://", 1)[-1], align="R")
    pdf.set_font("RobotoLight", "", 6.5)
    pdf.set_text_color(*MUTED)
    pdf.set_xy(left - 62, pdf.get_y() + 0.5)
    pdf.multi_cell(60, 3, "SHA-256 " + facts.archive_sha256[:16] + "…", align="R")


def papers(items: Iterable[tuple[PaperFacts, str]], *, title: str = "") -> bytes:
    """Diplomas and certificates, one page each: (facts, verification URL) pairs."""
    pdf = _pdf("landscape")
    pdf.set_title(title or _("Diplomas and certificates"))
    for facts, url in items:
        _paper(pdf, facts, url)
    return bytes(pdf.output())


def paper(facts: PaperFacts, verify_url: str) -> bytes:
    heading = _("Diploma") if facts.kind == "diploma" else _("Certificate")
    return papers([(facts, verify_url)], title=f"{heading} № {facts.number}")


# --- the jury's protocol ------------------------------------------------------------------------------



def _plain(value: Any) -> str:
    """0.700000 → 0.7, 2 → 2 (numbers as the snapshot spells them, read as people write them)."""
    number = as_number(value)
    return "—" if number is None else f"{number:g}"


def _rule_text(regulations: dict[str, Any], results: dict[str, Any]) -> list[str]:
    aggregation = regulations.get("aggregation") or {}
    rule = aggregation.get("rule", results.get("rule", "median"))
    names = {"median": _("the median"), "mean": _("the mean"),
             "trimmed_mean": _("the trimmed mean (%(share)s%% cut at each end)") % {
                 "share": round(float(aggregation.get("trim", 0.2)) * 100)}}
    lines = [_("Aggregation of the jurors' scores per criterion: %(rule)s.") % {"rule": names.get(rule, rule)}]
    if aggregation.get("normalise"):
        lines.append(_("Each juror's scores were normalised (z-scores) before aggregation."))
    else:
        lines.append(_("The jurors' scores were not normalised."))
    combination = regulations.get("combination") or {}
    if combination.get("mode") == "rank_weighted":
        lines.append(
            _("Jury and public combined by rank: jury weight %(jury)s, public weight %(public)s.")
            % {"jury": _plain(combination.get("jury_weight")), "public": _plain(combination.get("public_weight"))}
        )
    else:
        lines.append(_("The jury's ranking decides the places; the public vote gives a separate audience award."))
    breaks = [
        _("public votes") if item == "public_votes" else _("criterion “%(code)s”") % {"code": item.split(":", 1)[-1]}
        for item in regulations.get("tie_breaks", [])
    ]
    lines.append(_("Tie-breaks: %(list)s.") % {"list": ", ".join(breaks) if breaks else "—"})
    minimum = int(regulations.get("min_jurors", 1))
    lines.append(ngettext("At least %(count)d juror per entry.", "At least %(count)d jurors per entry.", minimum)
                 % {"count": minimum})
    lines.append(_("A recused juror's missing score is not counted (it is never a zero)."))
    return lines


def _heading(pdf: FPDF, text: str) -> None:
    if pdf.get_y() > pdf.h - 40:
        pdf.add_page()
    pdf.ln(3)
    pdf.set_font("Roboto", "B", 12)
    pdf.set_text_color(*NAVY)
    pdf.multi_cell(0, 6, text)
    pdf.set_text_color(*INK)
    pdf.ln(1)


def _table(pdf: FPDF, header: list[str], rows: list[list[str]], widths: tuple[float, ...]) -> None:
    pdf.set_font("Roboto", "", 8.5)
    pdf.set_draw_color(170, 176, 186)
    pdf.set_line_width(0.15)
    with pdf.table(col_widths=widths, text_align="LEFT", line_height=4.6, first_row_as_headings=True,
                   headings_style=FontFace(emphasis="BOLD", fill_color=(232, 236, 244), color=NAVY),
                   repeat_headings=1) as table:
        for values in [header, *rows]:
            row = table.row()
            for value in values:
                row.cell(value)


def protocol(facts: ProtocolFacts) -> bytes:
    snapshot = facts.snapshot
    regulations = snapshot.get("regulations") or {}
    results = snapshot.get("results") or {}
    criteria = regulations.get("criteria") or []
    nominations = {item["code"]: item.get("title", item["code"]) for item in regulations.get("nominations", [])}
    contest = facts.contest
    pdf = _pdf("portrait")
    pdf.set_title(_("Protocol of the jury: %(contest)s") % {"contest": contest.title})
    pdf.set_margins(16, 16, 16)
    pdf.set_auto_page_break(True, margin=18)
    footer_hash = facts.archive_sha256

    def footer() -> None:
        pdf.set_y(-12)
        pdf.set_font("RobotoLight", "", 7)
        pdf.set_text_color(*MUTED)
        pdf.cell(0, 4, _("Archive record SHA-256: %(hash)s · page %(page)s of {nb}")
                 % {"hash": footer_hash, "page": pdf.page_no()}, align="C")

    pdf.footer = footer  # type: ignore[method-assign]
    pdf.alias_nb_pages()
    pdf.add_page()
    pdf.set_font("Roboto", "B", 18)
    pdf.set_text_color(*NAVY)
    pdf.cell(0, 9, _("Protocol").upper(), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Roboto", "", 12)
    pdf.set_text_color(*INK)
    pdf.multi_cell(0, 6, _("of the jury of the contest «%(contest)s»") % {"contest": contest.title}, align="C",
                   new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("RobotoLight", "", 10)
    finalised = str(snapshot.get("finalised_at") or "")[:10]
    from awards.selectors import local_date

    pdf.multi_cell(
        0, 5,
        "\n".join([
            f"{contest.forum.title}" + (f", {contest.forum.city}" if contest.forum.city else ""),
            _("Results finalised: %(date)s") % {"date": local_date(contest, contest.finalised_at) or finalised},
            _("Regulations version %(version)s") % {"version": snapshot.get("regulations_version", "—")},
        ]),
        align="C", new_x="LMARGIN", new_y="NEXT",
    )

    _heading(pdf, _("1. The rule applied"))
    pdf.set_font("Roboto", "", 9.5)
    for line in _rule_text(regulations, results):
        pdf.multi_cell(0, 5, "• " + line, new_x="LMARGIN", new_y="NEXT")
    if criteria:
        _table(pdf, [_("Criterion"), _("Weight")],
               [[str(item.get("title", item["code"])), _plain(item.get("weight"))] for item in criteria], (140, 38))
    discussed = snapshot.get("discussed") or []
    if discussed:
        titles = {row.get("entry"): row.get("title", "") for row in rows_of(snapshot)}
        pdf.set_font("Roboto", "", 9.5)
        pdf.multi_cell(0, 5, _("Entries discussed by the jury before finalising (scores far apart): %(list)s.")
                       % {"list": "; ".join(f"«{titles.get(pk, pk)}»" for pk in discussed)},
                       new_x="LMARGIN", new_y="NEXT")

    _heading(pdf, _("2. The jury"))
    _table(pdf, [_("Code"), _("Juror"), _("Organisation")],
           [[code, name, organisation or "—"] for code, name, organisation in facts.jurors], (18, 70, 90))

    _heading(pdf, _("3. Conflicts of interest and recusals"))
    if facts.conflicts or facts.recusals:
        rows = [[code, title, source, reason or "—"] for code, title, source, reason in facts.conflicts]
        declared = {(code, title) for code, title, _source, _reason in facts.conflicts}
        rows += [[code, title, _("Recused"), "—"] for code, title in facts.recusals if (code, title) not in declared]
        _table(pdf, [_("Juror"), _("Entry"), _("Conflict"), _("Reason")], rows, (18, 62, 48, 50))
        pdf.set_font("RobotoLight", "", 8.5)
        pdf.multi_cell(0, 4.5, _("A juror with a conflict did not score the entry; their score is absent, not zero."),
                       new_x="LMARGIN", new_y="NEXT")
    else:
        pdf.set_font("Roboto", "", 9.5)
        pdf.multi_cell(0, 5, _("No conflicts of interest were declared or detected."), new_x="LMARGIN", new_y="NEXT")

    _heading(pdf, _("4. Each juror's scores per criterion"))
    codes = [item["code"] for item in criteria]
    short = [str(item.get("title", item["code"]))[:14] for item in criteria]
    rows_all = rows_of(snapshot)
    for code, title in nominations.items():
        rows = []
        for row in (row for row in rows_all if row.get("nomination") == code):
            by_juror = row.get("by_juror") or {}
            if not by_juror:
                rows.append([str(row.get("title", "")), "—", *["—" for _c in codes]])
            for juror, values in sorted(by_juror.items()):
                rows.append([str(row.get("title", "")), str(juror),
                             *[str(values.get(criterion, "—")) for criterion in codes]])
        if not rows:
            continue
        pdf.set_font("Roboto", "B", 10)
        pdf.multi_cell(0, 6, _("Nomination «%(title)s»") % {"title": title}, new_x="LMARGIN", new_y="NEXT")
        rest = max(10.0, (178 - 70 - 16) / max(1, len(codes)))
        _table(pdf, [_("Entry"), _("Juror"), *short], rows, (70, 16, *[rest for _c in codes]))
        pdf.ln(2)

    _heading(pdf, _("5. Ranking"))
    for code, title in nominations.items():
        rows = []
        for row in sorted((row for row in rows_all if row.get("nomination") == code),
                          key=lambda row: (row.get("combined_rank", 0), row.get("entry", 0))):
            place = prize_place(snapshot, row)
            score = as_number(row.get("jury_score"))
            rows.append([
                str(row.get("combined_rank", "")), str(row.get("title", "")),
                f"{score:.2f}" if score is not None else "—",
                str(row.get("jurors", 0)), str(row.get("public_votes", 0)),
                _("Place %(place)s") % {"place": roman(place)} if place else "—",
            ])
        if not rows:
            continue
        pdf.set_font("Roboto", "B", 10)
        pdf.multi_cell(0, 6, _("Nomination «%(title)s»") % {"title": title}, new_x="LMARGIN", new_y="NEXT")
        _table(pdf, [_("Rank"), _("Entry"), _("Jury score"), _("Jurors"), _("Public votes"), _("Prize")], rows,
               (14, 74, 22, 18, 24, 26))
        pdf.ln(2)
    audience = results.get("audience_award") or {}
    if results.get("combination") == "separate_award" and audience:
        titles = {row.get("entry"): row.get("title", "") for row in rows_all}
        pdf.set_font("Roboto", "B", 10)
        pdf.multi_cell(0, 6, _("Audience award"), new_x="LMARGIN", new_y="NEXT")
        _table(pdf, [_("Nomination"), _("Entry")],
               [[nominations.get(code, code), "; ".join(str(titles.get(pk, pk)) for pk in ids)]
                for code, ids in audience.items()], (70, 108))

    _heading(pdf, _("6. Signatures"))
    pdf.set_font("Roboto", "", 10)
    signers = [(_("Chair of the jury"), "")] + [(f"{code}", name) for code, name, _org in facts.jurors]
    signers.append((_("Organiser"), ""))
    for label, name in signers:
        if pdf.get_y() > pdf.h - 30:
            pdf.add_page()
        y = pdf.get_y() + 7
        pdf.set_xy(16, y)
        pdf.cell(60, 6, f"{label} {name}".strip())
        pdf.line(80, y + 5, 140, y + 5)
        pdf.line(146, y + 5, 194, y + 5)
        pdf.set_font("RobotoLight", "", 7)
        pdf.set_xy(80, y + 5.5)
        pdf.cell(60, 3, _("signature"), align="C")
        pdf.set_xy(146, y + 5.5)
        pdf.cell(48, 3, _("full name"), align="C")
        pdf.set_font("Roboto", "", 10)
        pdf.set_y(y + 9)
    return bytes(pdf.output())
