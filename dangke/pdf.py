"""The one PDF renderer: documents people print or file (ledgers, certificates)
are rendered on the server from a Django template, with a Chinese font embedded
(a subset of ``PDF_FONT_PATH``, Debian's Noto Sans CJK by default), by fpdf2.

A template writes the simple HTML fpdf2 lays out (``h1``–``h3``, ``p``, ``b``,
``br``, ``table`` with ``th``/``td`` and ``width`` on the header cells); the
renderer wraps it on A4 pages with a footer giving the page number. This module
imports no app.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse
from django.template.loader import render_to_string

PDF_TYPE = "application/pdf"
FONT_FAMILY = "dangke-cjk"


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


def pdf_render(
    *, template_name: str, context: dict[str, Any], title: str, landscape: bool = False
) -> bytes:
    """The PDF of ``template_name`` rendered with ``context``, titled ``title``,
    on A4 (``landscape`` for wide tables). Raises ImproperlyConfigured when the
    font is missing."""
    from fpdf import FPDF

    font = _font_path()
    html = render_to_string(template_name, context)

    class Document(FPDF):
        def footer(self) -> None:
            self.set_y(-12)
            self.set_font(FONT_FAMILY, size=8)
            self.cell(0, 8, f"{title} · 第 {self.page_no()}/{{nb}} 页", align="C")

    document = Document(orientation="L" if landscape else "P", format="A4")
    # A TrueType collection holds Japanese, Korean, simplified and traditional
    # Chinese faces; index 2 is the simplified Chinese one in Noto's collections.
    extra = {"collection_font_number": settings.PDF_FONT_INDEX}
    if font.suffix.lower() != ".ttc":
        extra = {}
    document.add_font(FONT_FAMILY, fname=str(font), **extra)
    document.add_font(FONT_FAMILY, style="B", fname=str(font), **extra)
    document.set_title(title)
    document.set_creator(settings.WAGTAIL_SITE_NAME)
    document.set_auto_page_break(auto=True, margin=15)
    document.add_page()
    document.set_font(FONT_FAMILY, size=10)
    document.write_html(html, font_family=FONT_FAMILY)
    return bytes(document.output())


def pdf_response(content: bytes, *, filename: str) -> HttpResponse:
    """An attachment of ``content`` as ``<filename>.pdf``."""
    response = HttpResponse(content, content_type=PDF_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}.pdf"'
    return response
