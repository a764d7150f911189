"""The PDF renderer (dangke.pdf) as certificates use it: the font face is read once
per machine into a working font of the common characters, each document embeds a
subset of its own glyphs (one font, bold included), and a document with a rarer
character embeds a subset of the whole face instead: every character is drawn."""

from __future__ import annotations

import base64
import shutil
import subprocess
import tempfile
from datetime import date, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest

needs_poppler = pytest.mark.skipif(
    not shutil.which("pdffonts"), reason="poppler-utils (pdffonts) not installed"
)


def _certificate(name: str) -> bytes:
    from dangke.links import qr_png
    from dangke.pdf import pdf_render

    qr = base64.b64encode(qr_png("https://example.org/verify/abc", box_size=2))

    return pdf_render(
        template_name="certificates/certificate_pdf.html",
        context={
            "certificate": SimpleNamespace(
                number="S1-2026-00007",
                member_name=name,
                class_title="基层党组织书记示范培训班",
                starts_on=date(2026, 3, 3),
                ends_on=date(2026, 3, 5),
                issued_at=datetime(2026, 3, 6, 9),
            ),
            "issuer": SimpleNamespace(name="中山街道党工委", seal_uri=""),
            "qr_uri": f"data:image/png;base64,{qr.decode()}",
            "verify_url": "https://example.org/verify/abc",
            "hours": "16",
        },
        title="结业证书 S1-2026-00007",
        landscape=True,
    )


def _run(tool: str, content: bytes, tmp_path) -> str:
    path = tmp_path / "document.pdf"
    path.write_bytes(content)
    return subprocess.run(
        [tool, str(path), "-"] if tool == "pdftotext" else [tool, str(path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def _fonts(listing: str) -> list[list[str]]:
    return [line.split() for line in listing.splitlines()[2:]]


@needs_poppler
@pytest.mark.parametrize(
    "name",
    [
        "欧阳明华",  # GB 2312: the working font
        "王喆堃",  # 喆 and 堃 are not in GB 2312: the whole face
    ],
)
def test_every_character_is_drawn_from_one_embedded_subset(name, tmp_path):
    from dangke.pdf import common_characters

    rare = [c for c in name if ord(c) not in common_characters()]
    assert bool(rare) == (name == "王喆堃")
    content = _certificate(name)

    text = "".join(_run("pdftotext", content, tmp_path).split())
    for field in ("结业证书", name, "S1-2026-00007", "中山街道党工委", "16学时"):
        assert field in text, field
    fonts = _fonts(_run("pdffonts", content, tmp_path))
    # The <b> name and the heading use the face itself: one font, embedded, a subset.
    assert len(fonts) == 1, fonts
    name_column, emb, sub = fonts[0][0], fonts[0][-5], fonts[0][-4]
    assert "NotoSansCJK" in name_column and "+" in name_column
    assert (emb, sub) == ("yes", "yes")


def test_the_working_font_is_kept_under_var_and_holds_the_common_characters(
    settings,
):
    from fontTools import ttLib

    from dangke.pdf import common_characters, working_font_file

    path = working_font_file()
    assert path.is_file()
    assert path.parent in (
        Path(settings.VAR_DIR) / "fonts",
        Path(tempfile.gettempdir()),
    )
    assert working_font_file() == path  # made once, then found
    font = ttLib.TTFont(path, lazy=True)
    whole = ttLib.TTFont(
        settings.PDF_FONT_PATH, fontNumber=settings.PDF_FONT_INDEX, lazy=True
    )
    kept = set(font.getBestCmap())
    wanted = common_characters() & set(whole.getBestCmap())
    assert wanted <= kept
    assert len(kept) < len(whole.getBestCmap()) / 4
    assert "GSUB" not in font and "vmtx" not in font


def test_a_subset_is_small_and_fast_after_the_first(tmp_path):
    import time

    _certificate("张三明")  # the process's parse of the working font
    started = time.process_time()
    contents = [_certificate(name) for name in ("李明", "赵国华", "陈秀英")]
    per_document = (time.process_time() - started) / len(contents)
    # About 0.05 s of CPU on this machine; a whole face's subset took over 1 s.
    assert per_document < 0.5, per_document
    assert all(len(content) < 60_000 for content in contents)
