"""The one PDF renderer: documents people print or file (ledgers, certificates)
are rendered on the server from a Django template, with a Chinese font embedded
(a subset of ``PDF_FONT_PATH``, Debian's Noto Sans CJK by default), by fpdf2.

A template writes the simple HTML fpdf2 lays out (``h1``–``h3``, ``p``, ``b``,
``br``, ``table`` with ``th``/``td`` and ``width`` on the header cells); the
renderer wraps it on A4 pages with a footer giving the page number. This module
imports no app.

Speed. A CJK face has 65,535 glyphs; reading one from Noto's collection and
subsetting it costs about a second a face, which made a class's certificates
take minutes. So the face is read once per machine: ``working_font`` writes the
face's common characters (GB 2312 with Latin and the CJK and full-width
punctuation, about 7,800 glyphs, outlines without subroutines, no layout or
vertical tables, which fpdf2 drops or never reads) to a file under
``var/fonts/``, and once per process fpdf2's parse of that file (cmap, widths,
metrics) is kept and handed to each document, which subsets only its own
glyphs. A document with a character outside the common set (a rare character in
a name) embeds a subset of the whole face as before: slower, never wrong. Bold
(``<b>``, ``th``) is the same face, as it always was here: one subset a
document, not two.
"""

from __future__ import annotations

import copy
import fcntl
import hashlib
import html as html_lib
import logging
import os
import tempfile
import threading
from dataclasses import dataclass
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)

PDF_TYPE = "application/pdf"
FONT_FAMILY = "dangke-cjk"
# Bump when the working font's contents change (the cache file's name has it).
WORKING_FONT_VERSION = "1"
# Tables a PDF never needs from the face: fpdf2 drops layout tables when it
# subsets, and writes horizontally.
_DROPPED_TABLES = (
    "GSUB",
    "GPOS",
    "GDEF",
    "BASE",
    "JSTF",
    "MATH",
    "vhea",
    "vmtx",
    "VORG",
)


@cache
def _font_path() -> Path:
    path = Path(settings.PDF_FONT_PATH)
    if not path.is_file():
        raise ImproperlyConfigured(
            f"PDF_FONT_PATH={str(path)!r}: no such font file (install Debian's "
            "fonts-noto-cjk or point PDF_FONT_PATH at a TTF/OTF/TTC with Chinese)"
        )
    return path


def pdf_font_check() -> None:
    """Raise ImproperlyConfigured naming ``PDF_FONT_PATH`` when it is not a file."""
    _font_path()


def _face_number(path: Path) -> int:
    # A TrueType collection holds Japanese, Korean, simplified and traditional
    # Chinese faces; index 2 is the simplified Chinese one in Noto's collections.
    return settings.PDF_FONT_INDEX if path.suffix.lower() in (".ttc", ".otc") else 0


def common_characters() -> set[int]:
    """The code points the working font keeps: GB 2312 (6,763 hanzi and its
    symbols), printable ASCII and Latin-1, general, CJK and full-width
    punctuation."""
    points = {*range(0x20, 0x7F), *range(0xA0, 0x180), *range(0x2000, 0x2070)}
    points |= {*range(0x2100, 0x2200), *range(0x3000, 0x3040), *range(0xFF00, 0xFFF0)}
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                points.add(ord(bytes((high, low)).decode("gb2312")))
            except UnicodeDecodeError:
                continue
    return points


def working_font_file() -> Path:
    """The working font (see the module's docstring) of ``PDF_FONT_PATH``'s face,
    made on first use (a few seconds) and kept under ``var/fonts/`` (the system's
    temporary folder when that cannot be written), named by the source file's
    path, size and time and the face, so a changed font makes a new one. Several
    processes starting at once make it once (a file lock). Raises
    ImproperlyConfigured when the font is missing."""
    source = _font_path()
    stat = source.stat()
    key = f"{source.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{_face_number(source)}"
    digest = hashlib.sha256(f"{key}|{WORKING_FONT_VERSION}".encode()).hexdigest()[:16]
    name = f"{source.stem}-{_face_number(source)}-{digest}.otf"
    for folder in (Path(settings.VAR_DIR) / "fonts", Path(tempfile.gettempdir())):
        target = folder / name
        if target.is_file():
            return target
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with open(folder / f"{name}.lock", "a") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                if not target.is_file():  # nobody made it while we waited
                    _write_working_font(source, target)
            return target
        except OSError as exc:
            logger.warning("working font not written to %s: %s", folder, exc)
    raise ImproperlyConfigured("no folder to keep the PDF working font in")


def _write_working_font(source: Path, target: Path) -> None:
    from fontTools import subset as ftsubset
    from fontTools import ttLib

    font = ttLib.TTFont(
        source,
        fontNumber=_face_number(source),
        lazy=True,
        recalcTimestamp=False,
        # The whole face's boxes bound the subset's: no need to draw 7,800 glyphs.
        recalcBBoxes=False,
    )
    options = ftsubset.Options(
        notdef_outline=True,
        recommended_glyphs=True,
        desubroutinize=True,  # each document's subset then has no subroutines to prune
        name_IDs=["*"],
        name_languages=["*"],
        name_legacy=True,
        layout_features=[],
    )
    options.drop_tables += list(_DROPPED_TABLES)
    subsetter = ftsubset.Subsetter(options)
    subsetter.populate(unicodes=common_characters())
    subsetter.subset(font)
    handle, temporary = tempfile.mkstemp(dir=target.parent, suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            font.save(out)
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    logger.info("PDF working font written: %s", target)


@dataclass(frozen=True)
class _Parsed:
    """fpdf2's parse of a font file (cmap, widths, metrics), shared by this
    process's documents."""

    font: Any  # fpdf.fonts.TTFFont
    source: Path | bytes  # what each document's own TTFont reads
    face_number: int
    characters: frozenset[int]


_parse_lock = threading.Lock()


@cache
def _parse(whole_face: bool) -> _Parsed:
    """The working font's parse, or (``whole_face``) the parse of the face in
    ``PDF_FONT_PATH`` itself, for documents with rarer characters."""
    from fpdf import FPDF
    from fpdf.fonts import TTFFont

    path = _font_path() if whole_face else working_font_file()
    face_number = _face_number(path) if whole_face else 0
    with _parse_lock:
        font = TTFFont(
            FPDF(), path, FONT_FAMILY, "", collection_font_number=face_number
        )
    return _Parsed(
        font=font,
        source=path if whole_face else path.read_bytes(),
        face_number=face_number,
        characters=frozenset(font.cmap),
    )


def _add_font(document: Any, parsed: _Parsed) -> None:
    """Give ``document`` the parsed font with a TTFont of its own (fpdf2's
    subsetting changes it in place) and its own glyph subset."""
    from fontTools import ttLib
    from fpdf.fonts import SubsetMap

    source = parsed.source
    font = copy.copy(parsed.font)
    font.i = len(document.fonts) + 1
    font.ttfont = ttLib.TTFont(
        BytesIO(source) if isinstance(source, bytes) else source,
        fontNumber=parsed.face_number,
        lazy=True,
        recalcTimestamp=False,
        recalcBBoxes=False,  # the whole font's boxes bound the subset's
    )
    font.missing_glyphs = []
    font.biggest_size_pt = 0
    font._hbfont = None
    font.subset = SubsetMap(font)
    document.fonts[FONT_FAMILY] = font
    if font.is_cff and font.is_cid_keyed:
        document._set_min_pdf_version("1.6")


class _Fonts(dict):
    """A document's fonts, where the face's bold is the face itself (it always
    was: the same file), so bold text (``<b>``, ``th``) embeds no second subset."""

    def __contains__(self, key: object) -> bool:
        return super().__contains__(_regular(key))

    def __getitem__(self, key: Any) -> Any:
        return super().__getitem__(_regular(key))


def _regular(key: Any) -> Any:
    if isinstance(key, str) and key.startswith(FONT_FAMILY):
        return FONT_FAMILY + key[len(FONT_FAMILY) :].replace("B", "")
    return key


def _printable(text: str) -> set[int]:
    return {point for point in map(ord, text) if point >= 0x20}


def pdf_render(
    *, template_name: str, context: dict[str, Any], title: str, landscape: bool = False
) -> bytes:
    """The PDF of ``template_name`` rendered with ``context``, titled ``title``,
    on A4 (``landscape`` for wide tables). Raises ImproperlyConfigured when the
    font is missing."""
    from fpdf import FPDF

    html = render_to_string(template_name, context)
    footer = f"{title} · 第 0123456789/ 页"

    class Document(FPDF):
        def footer(self) -> None:
            self.set_y(-12)
            self.set_font(FONT_FAMILY, size=8)
            self.cell(0, 8, f"{title} · 第 {self.page_no()}/{{nb}} 页", align="C")

    document = Document(orientation="L" if landscape else "P", format="A4")
    document._resource_catalog.font_registry = _Fonts()
    working = _parse(whole_face=False)
    common = _printable(html_lib.unescape(html) + footer) <= working.characters
    _add_font(document, working if common else _parse(whole_face=True))
    document.set_title(title)
    document.set_creator(settings.WAGTAIL_SITE_NAME)
    document.set_auto_page_break(auto=True, margin=15)
    document.add_page()
    document.set_font(FONT_FAMILY, size=10)
    try:
        document.write_html(html, font_family=FONT_FAMILY)
        return bytes(document.output())
    finally:
        # fpdf2 memoises glyph lookups per subset for the life of the process,
        # which keeps each document's font alive: let its TTFont (the file, the
        # decompiled tables) go, or a batch of 1,000 keeps over a gigabyte.
        font = document.fonts[FONT_FAMILY]
        font.ttfont.close()
        font.ttfont = None


def pdf_response(content: bytes, *, filename: str) -> HttpResponse:
    """An attachment of ``content`` as ``<filename>.pdf``."""
    response = HttpResponse(content, content_type=PDF_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}.pdf"'
    return response
