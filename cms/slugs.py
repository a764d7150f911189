"""Readable URLs for Chinese titles: a new page whose slug is empty or not ASCII (what
Wagtail's slug field makes of 党史学习教育: nothing, or the characters themselves) gets
the title's pinyin instead, ``dang-shi-xue-xi-jiao-yu``.

The rule runs when a page is validated before its first save (``PinyinSlugMixin`` on
the page types), so the admin, the API, imports and the demo all get it. A slug typed
in ASCII is kept; a page already saved keeps its slug (its URL stays stable).
"""

from __future__ import annotations

import re
import unicodedata

from django.utils.text import slugify
from pypinyin import Style, lazy_pinyin
from wagtail.models import Page

MAX_LENGTH = 60  # before a sibling's "-2": long enough for a title, short in a URL
FALLBACK = "page"  # a title with nothing pronounceable in it (only emoji, say)


def pinyin_slug(title: str, *, max_length: int = MAX_LENGTH) -> str:
    """``title`` as a lowercase ASCII slug: each Chinese character's toneless pinyin
    (ü as v), other text as Django's ``slugify`` writes it (full-width letters and
    digits folded, punctuation and emoji dropped), joined by hyphens and cut at a
    hyphen to ``max_length``; ``FALLBACK`` when nothing is left."""
    text = unicodedata.normalize("NFKC", title)
    # errors=: a run that is not Chinese comes back whole, for slugify to clean
    chunks = lazy_pinyin(text, style=Style.NORMAL, errors=lambda run: [run])
    words = [slugify(chunk) for chunk in chunks]
    slug = re.sub(r"-{2,}", "-", "-".join(w for w in words if w)).strip("-_")
    if len(slug) > max_length:
        # at the last hyphen that keeps most of it; a long word is cut where it is
        cut = slug[: max_length + 1].rsplit("-", 1)[0]
        slug = (cut if len(cut) >= max_length // 2 else slug[:max_length]).strip("-_")
    return slug or FALLBACK


def slug_needs_pinyin(*, page: Page) -> bool:
    """A page not yet saved, with a title, whose slug is empty or not ASCII."""
    slug = page.slug or ""
    return page.pk is None and bool(page.title) and not (slug and slug.isascii())


def sibling_slug_free(*, parent: Page, slug: str, page: Page) -> str:
    """``slug``, or with ``-2``, ``-3``… the first one no sibling under ``parent``
    uses."""
    taken = set(
        parent.get_children()
        .exclude(pk=page.pk)
        .filter(slug__startswith=slug)
        .values_list("slug", flat=True)
    )
    candidate, number = slug, 1
    while candidate in taken:
        number += 1
        candidate = f"{slug}-{number}"
    return candidate


def page_slug_pinyin_fill(*, page: Page) -> None:
    """Give a new page with a Chinese title (and no ASCII slug) its pinyin slug,
    unique among its siblings. Does nothing until the parent is known (the page is
    validated again when ``add_child`` saves it)."""
    if not slug_needs_pinyin(page=page):
        return
    if not page.path:
        return
    parent = page.get_parent()
    page.slug = sibling_slug_free(
        parent=parent, slug=pinyin_slug(page.title), page=page
    )


class PinyinSlugMixin:
    """Runs ``page_slug_pinyin_fill`` before Wagtail's own validation (which would
    otherwise slugify the title to its characters)."""

    def full_clean(self, *args, **kwargs):
        page_slug_pinyin_fill(page=self)
        return super().full_clean(*args, **kwargs)

    def minimal_clean(self):
        page_slug_pinyin_fill(page=self)
        return super().minimal_clean()
