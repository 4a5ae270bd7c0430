"""The printables as PDF (fpdf2, pure Python): an A4 administrative paper laid out as the HTML print page is,
heading (the authority and the desk; the national motto; place and date), title, the dossier code, paragraphs
with bold parts, numbered lists, tables, the tracking QR code and the two signature columns.

Vietnamese needs a TrueType font with its glyphs: DejaVu Sans from settings.PRINT_PDF_FONT_DIR (Debian's
fonts-dejavu-core). The bottom of each page keeps room for the visible signature block that signing adds to the
last page (portal/signing/pdf.py: 86 pt high, 24 pt from the edge)."""

from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

FAMILY = "dejavu"
FACES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf", "I": "DejaVuSans-Oblique.ttf"}
BODY, SMALL, TITLE = 11, 9, 13
LINE = 5.6  # mm, a line of body text
# The signature block of portal/signing/pdf.py is 86 pt + 24 pt from the bottom: about 39 mm, plus air.
SIGNATURE_ROOM = 44


class FontsMissing(RuntimeError):
    """The fonts with Vietnamese glyphs are not installed (settings.PRINT_PDF_FONT_DIR)."""


def font_files():
    folder = Path(settings.PRINT_PDF_FONT_DIR)
    files = {style: folder / name for style, name in FACES.items()}
    missing = [str(path) for path in files.values() if not path.is_file()]
    if missing:
        raise FontsMissing(", ".join(missing))
    return files


class Paper(FPDF):
    """One A4 paper. Text is written in runs: `para(("Ông/Bà: ", ""), ("Nguyễn Văn An", "B"))`."""

    def __init__(self, *, title, subject=""):
        super().__init__(orientation="P", unit="mm", format="A4")
        for style, path in font_files().items():
            self.add_font(FAMILY, style, str(path))
        self.set_margins(20, 15, 15)
        self.set_auto_page_break(auto=True, margin=SIGNATURE_ROOM)
        self.set_title(title)
        self.set_subject(subject)
        self.set_creator("motcua")
        self.set_lang("vi")
        self.add_page()
        self.set_font(FAMILY, "", BODY)

    # --- text -----------------------------------------------------------------------------------------------

    def style(self, style="", size=BODY):
        """ "", "B", "I", or with "U" (underlined)."""
        self.set_font(FAMILY, style, size)

    def runs(self, *parts, size=BODY, height=LINE, indent=0):
        """Inline runs of (text, style) that wrap together as one paragraph."""
        left = self.l_margin
        if indent:
            self.set_left_margin(left + indent)
            self.set_x(left + indent)
        for text, style in parts:
            if text:
                self.style(style, size)
                self.write(height, str(text))
        self.style()
        if indent:
            self.set_left_margin(left)
        self.ln(height)

    def para(self, *parts, size=BODY, space=1.5, indent=0):
        """A paragraph: a string, or runs of (text, style)."""
        runs = [(parts[0], "")] if len(parts) == 1 and isinstance(parts[0], str) else parts
        self.runs(*runs, size=size, indent=indent)
        self.ln(space)

    def centred(self, text, style="", size=BODY, space=0.5):
        self.style(style, size)
        self.multi_cell(0, LINE, str(text), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.style()
        self.ln(space)

    def numbered(self, number, *parts):
        """One item of a numbered list (the number hangs in the margin of the text)."""
        self.style()
        y = self.get_y()
        self.set_x(self.l_margin)
        self.cell(8, LINE, f"{number}.")
        self.set_y(y)
        self.runs(*parts, indent=8)
        self.ln(1)

    def facts(self, rows):
        """Label: value lines (the applicant's), the value in bold when asked."""
        for label, value, bold in rows:
            self.runs((f"{label} ", ""), (value, "B" if bold else ""))
        self.ln(1.5)

    def quote(self, text):
        """A reason, set off from the letter (left rule and indent)."""
        top = self.get_y()
        self.runs((text, "I"), indent=6)
        self.set_draw_color(150, 150, 150)
        self.set_line_width(0.6)
        self.line(self.l_margin + 2, top, self.l_margin + 2, self.get_y())
        self.set_draw_color(0, 0, 0)
        self.set_line_width(0.2)
        self.ln(2)

    # --- blocks ---------------------------------------------------------------------------------------------

    def heading(self, *, authority, desk, place_and_date):
        """The two columns of an administrative letter's head (Decree 30/2020 layout)."""
        width = self.epw
        left_w, right_w = width * 0.42, width * 0.58
        top = self.get_y()
        self.set_xy(self.l_margin, top)
        self.style("", 10)
        self.multi_cell(left_w, 5, authority.upper(), align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
        self.style("B", 10)
        self.multi_cell(left_w, 5, desk.upper(), align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
        left_bottom = self.get_y()
        self.set_xy(self.l_margin + left_w, top)
        self.style("B", 10)
        nation = _("Cộng hòa xã hội chủ nghĩa Việt Nam").upper()
        self.multi_cell(right_w, 5, nation, align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
        self.style("BU", 10.5)
        self.multi_cell(right_w, 5.5, _("Độc lập – Tự do – Hạnh phúc"), align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
        self.ln(2)
        self.style("I", 10)
        self.multi_cell(right_w, 5, place_and_date, align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
        self.style()
        self.set_xy(self.l_margin, max(left_bottom, self.get_y()) + 6)

    def title_block(self, title, code):
        self.centred(str(title).upper(), "B", TITLE, space=1)
        self.runs_centred(_("Mã hồ sơ:"), code)
        self.ln(3)

    def runs_centred(self, label, value):
        self.style()
        text = f"{label} {value}"
        width = self.get_string_width(text)
        self.set_x(self.l_margin + (self.epw - width) / 2)
        self.write(LINE, f"{label} ")
        self.style("B")
        self.write(LINE, value)
        self.style()
        self.ln(LINE)

    def table_of(self, headings, rows, widths, indent=8):
        """A bordered table, its headings in bold (repeated on a new page), indented as the list it is in."""
        self.style("", 9.5)
        with self.table(
            width=self.epw - indent,
            align="RIGHT",
            col_widths=widths,
            line_height=5,
            headings_style=FontFace(emphasis="BOLD"),
            text_align="LEFT",
            first_row_as_headings=True,
        ) as table:
            table.row(headings)
            for row in rows:
                table.row([str(cell) for cell in row])
        self.style()
        self.ln(2)

    def qr(self, image, text, size=28):
        """The tracking QR code (a PIL image) with its explanation beside it."""
        if self.will_page_break(size + 2):
            self.add_page()
        top = self.get_y()
        self.image(image, x=self.l_margin, y=top, w=size, h=size)
        self.set_xy(self.l_margin + size + 4, top + 2)
        self.style("", SMALL)
        self.multi_cell(self.epw - size - 4, 4.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.style()
        self.set_y(max(self.get_y(), top + size) + 3)

    def signatures(self, left_title, left_name, right_title, right_name):
        """The two signature columns (the applicant's, the officer's), each title, "(Ký và ghi rõ họ tên)", name."""
        if self.will_page_break(40):
            self.add_page()
        self.ln(4)
        half = self.epw / 2
        top = self.get_y()
        for column, (title, name) in enumerate(((left_title, left_name), (right_title, right_name))):
            x = self.l_margin + column * half
            self.set_xy(x, top)
            self.style("B", 10.5)
            self.multi_cell(half, 5, str(title).upper(), align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
            self.style("I", SMALL)
            self.multi_cell(half, 4.5, _("(Ký và ghi rõ họ tên)"), align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
            self.set_xy(x, self.get_y() + 16)
            self.style("B")
            self.multi_cell(half, 5, str(name or ""), align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
        self.style()
        self.ln(4)

    def render(self):
        return bytes(self.output())
