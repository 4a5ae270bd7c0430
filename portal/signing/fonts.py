"""The TrueType font of the visible signature block and of the demo documents, with its glyph widths right.

pyHanko 0.38's GlyphAccumulator writes each glyph's advance into the PDF's /W array in the font's own units, but
PDF reads /W in thousandths of an em: right for a font of 1000 units per em (most CFF fonts), twice too wide for
DejaVu Sans (2048): every viewer then spaces the letters apart and the block's text runs out of its box. Here the
shaping runs at 1000 units per em (HarfBuzz's scale) and the widths are scaled to match, so /W, the TJ adjustments
and the line advances agree for any font."""

from dataclasses import dataclass

from pyhanko.pdf_utils.font.opentype import GlyphAccumulator, GlyphAccumulatorFactory

PDF_UNITS = 1000


class ThousandthsGlyphAccumulator(GlyphAccumulator):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.font_units = self.units_per_em
        self.units_per_em = PDF_UNITS
        self.hb_font.scale = (PDF_UNITS, PDF_UNITS)

    def _get_cid_and_width(self, glyph_id):
        if glyph_id in self._glyphs:
            return self._glyphs[glyph_id]
        cid, width = super()._get_cid_and_width(glyph_id)
        self._glyphs[glyph_id] = scaled = cid, round(width * PDF_UNITS / self.font_units)
        return scaled


@dataclass(frozen=True)
class FontFactory(GlyphAccumulatorFactory):
    def create_font_engine(self, writer, obj_stream=None):
        if obj_stream is None and writer.stream_xrefs and self.create_objstream_if_needed:
            obj_stream = writer.prepare_object_stream()
        return ThousandthsGlyphAccumulator(
            writer=writer,
            font_handle=open(self.font_file, "rb"),  # noqa: SIM115  (pyHanko keeps it open while writing, as its own)
            font_size=self.font_size,
            ot_script_tag=self.ot_script_tag,
            ot_language_tag=self.ot_language_tag,
            writing_direction=self.writing_direction,
            bcp47_lang_code=self.bcp47_lang_code,
            obj_stream=obj_stream,
        )
