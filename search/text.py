"""Chinese text handling shared by every backend: segmentation (jieba), pinyin
(pypinyin), query parsing into safe terms, and highlighting in the original text.

User input never reaches a full-text engine as syntax: a query is cut into word
tokens (letters, digits and CJK characters only) and each engine gets them quoted,
so ``"``, ``*``, ``NEAR``, ``OR``, parentheses or emoji are plain text or nothing.
"""

from __future__ import annotations

import html
import logging
import re
import threading
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import jieba
from pypinyin import Style, lazy_pinyin

# Words and runs of letters, digits or CJK characters; "_" is a separator for both
# FTS5's unicode61 tokenizer and PostgreSQL's parser, so it is one here as well.
_WORD_RUN = re.compile(r"[^\W_]+")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_ASCII_WORD = re.compile(r"^[a-z0-9]+$")
_LETTERS = re.compile(r"^[a-z]+$")

# Function words dropped from a query when it has other words (never from the index).
QUERY_STOPWORDS = frozenset("的 了 和 与 及 之 是 在 把 被 对 等 或 也 都 就".split())
MAX_QUERY_TERMS = 12
DICTIONARY = Path(__file__).with_name("dictionary.txt")

_lock = threading.Lock()
_tokenizer: jieba.Tokenizer | None = None


def tokenizer() -> jieba.Tokenizer:
    """jieba's tokenizer with the party-education dictionary, loaded once."""
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                jieba.setLogLevel(logging.WARNING)
                instance = jieba.Tokenizer()
                instance.initialize()
                instance.load_userdict(str(DICTIONARY))
                _tokenizer = instance
    return _tokenizer


def normalise(text: str) -> str:
    """Full-width to half-width, lower case, collapsed white space."""
    return " ".join(unicodedata.normalize("NFKC", text or "").lower().split())


def has_cjk(text: str) -> bool:
    return bool(_CJK.search(text))


def _sub_words(word: str) -> list[str]:
    """Dictionary words inside ``word`` (of any length), e.g. 人民民主 in
    全过程人民民主: jieba's own search mode only adds two- and three-character ones."""
    freq = tokenizer().FREQ
    found = []
    for size in range(len(word) - 1, 1, -1):
        for start in range(len(word) - size + 1):
            part = word[start : start + size]
            if freq.get(part):
                found.append(part)
    return found


def _words(text: str, *, for_search: bool) -> list[str]:
    words: list[str] = []
    for run in _WORD_RUN.findall(normalise(text)):
        if not has_cjk(run):
            words.append(run)
            continue
        for word in tokenizer().cut(run):
            if not _WORD_RUN.fullmatch(word):
                continue
            words.append(word)
            if for_search and len(word) > 2:
                words.extend(_sub_words(word))
    return words


def _smaller_words(word: str) -> list[str]:
    """``word`` cut into the longest dictionary words shorter than itself, left to
    right (全会精神 -> 全会 精神), for documents where jieba cut it differently."""
    freq = tokenizer().FREQ
    parts, start = [], 0
    while start < len(word):
        end = start + 1
        for stop in range(len(word), start + 1, -1):
            if stop - start < len(word) and freq.get(word[start:stop]):
                end = stop
                break
        parts.append(word[start:end])
        start = end
    return parts


def segment(text: str) -> str:
    """Index-time segmentation: the words and their dictionary sub-words, spaced."""
    return " ".join(_words(text, for_search=True))


def _is_cjk_word(word: str) -> bool:
    return all(_CJK.match(char) for char in word)


def pinyin_tokens(title: str) -> str:
    """Full pinyin and initials of a title's Chinese words, as tokens that a prefix
    query can match: for 党史学习教育 ``dangshi``, ``dangshixuexijiaoyu``,
    ``xuexijiaoyu``, ``dsxxjy``, ``xxjy``, ... so ``dangshi`` and ``dsxx`` find it."""
    words = [
        part
        for word in tokenizer().cut(normalise(title))
        if _is_cjk_word(word)
        for part in _finest(word)
    ]
    full = ["".join(lazy_pinyin(w)) for w in words]
    initials = ["".join(lazy_pinyin(w, style=Style.FIRST_LETTER)) for w in words]
    tokens: list[str] = []
    for start in range(len(words)):
        tokens.append(full[start])
        tokens.append("".join(full[start:]))
        tokens.append("".join(initials[start:]))
    return " ".join(dict.fromkeys(t for t in tokens if t))


def _finest(word: str) -> list[str]:
    """``word`` cut down to dictionary words of at most two characters where it
    can be (党史学习教育 -> 党史 学习 教育)."""
    if len(word) <= 2:
        return [word]
    parts = _smaller_words(word)
    if len(parts) == 1:
        return parts
    return [small for part in parts for small in _finest(part)]


# --- queries ---------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """One token of a query; ``prefix`` matches every indexed token it starts."""

    text: str
    prefix: bool = False


@dataclass(frozen=True)
class TermGroup:
    """Alternatives for one query word: any of them (each an AND of terms) matches."""

    alternatives: tuple[tuple[Term, ...], ...]


@dataclass(frozen=True)
class ParsedQuery:
    groups: tuple[TermGroup, ...] = ()
    # Words to mark in original text, and letter words that may be pinyin.
    marks: tuple[str, ...] = field(default=())
    pinyin: tuple[str, ...] = field(default=())

    @property
    def is_empty(self) -> bool:
        return not self.groups


def parse_query(text: str) -> ParsedQuery:
    """Cut a user's query into safe term groups (see the module docstring).

    Latin words and one-character Chinese words match as prefixes (``红`` finds
    红色, ``dang`` finds dangshi); a longer Chinese word matches itself or, when the
    document was cut differently, all of its smaller dictionary words.
    """
    words = _words(text, for_search=False)
    meaningful = [w for w in words if w not in QUERY_STOPWORDS]
    words = list(dict.fromkeys(meaningful or words))[:MAX_QUERY_TERMS]
    groups = []
    for word in words:
        if len(word) == 1 or not has_cjk(word):
            groups.append(TermGroup(((Term(word, prefix=True),),)))
            continue
        alternatives = [(Term(word),)]
        parts = _smaller_words(word) if len(word) > 3 else []
        # Only whole words: 党 and 史 alone would also match 党员 ... 历史.
        if len(parts) > 1 and all(len(p) > 1 for p in parts):
            alternatives.append(tuple(Term(p) for p in parts))
        groups.append(TermGroup(tuple(alternatives)))
    marks = {w for w in words}
    for group in groups:
        for alternative in group.alternatives:
            marks.update(term.text for term in alternative)
    pinyin = tuple(w for w in words if _LETTERS.match(w) and len(w) >= 2)
    return ParsedQuery(
        groups=tuple(groups),
        marks=tuple(sorted(marks, key=len, reverse=True)),
        pinyin=pinyin,
    )


# --- highlighting ----------------------------------------------------------------


@lru_cache(maxsize=4096)
def _char_pinyin(text: str) -> tuple[tuple[str, str] | None, ...]:
    """Per character of ``text``: (full pinyin, initial) for Chinese, else None."""
    result: list[tuple[str, str] | None] = []
    for word in tokenizer().cut(text):
        if _is_cjk_word(word):
            full = lazy_pinyin(word)
            initials = lazy_pinyin(word, style=Style.FIRST_LETTER)
            if len(full) == len(word) == len(initials):
                result.extend(zip(full, initials, strict=True))
                continue
        result.extend(None for _ in word)
    return tuple(result)


def _pinyin_spans(text: str, query: str) -> list[tuple[int, int]]:
    chars = _char_pinyin(text)
    spans = []
    for start, first in enumerate(chars):
        if first is None:
            continue
        for which in (0, 1):
            built = ""
            end = start
            while end < len(chars) and chars[end] is not None:
                if len(built) >= len(query):
                    break
                built += chars[end][which]
                end += 1
            # A match ends on a syllable or inside the last one (a prefix query).
            if built.startswith(query):
                spans.append((start, end))
                break
    return spans


def match_spans(
    text: str, query: ParsedQuery, *, pinyin: bool = True
) -> list[tuple[int, int]]:
    """Where the query's words (or, with ``pinyin``, their pinyin) occur in
    ``text``, merged."""
    if not text:
        return []
    folded = unicodedata.normalize("NFKC", text).lower()
    if len(folded) != len(text):  # keep offsets aligned with the original
        folded = text.lower()
    spans: list[tuple[int, int]] = []
    for mark in query.marks:
        start = folded.find(mark)
        while start != -1:
            spans.append((start, start + len(mark)))
            start = folded.find(mark, start + len(mark))
    for word in query.pinyin if pinyin else ():
        spans.extend(_pinyin_spans(text, word))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def mark(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` as HTML with the spans in ``<mark>``; everything else escaped."""
    out: list[str] = []
    position = 0
    for start, end in spans:
        out.append(html.escape(text[position:start]))
        out.append(f"<mark>{html.escape(text[start:end])}</mark>")
        position = end
    out.append(html.escape(text[position:]))
    return "".join(out)


def highlight(text: str, query: ParsedQuery) -> str:
    return mark(text, match_spans(text, query))


def snippet(texts: list[str], query: ParsedQuery, *, width: int = 80) -> str:
    """A short highlighted excerpt from the first text with a match, else the
    beginning of the first non-empty text. Only titles are indexed with pinyin, so
    only the words themselves are marked here."""
    for text in texts:
        spans = match_spans(text, query, pinyin=False)
        if not spans:
            continue
        first = spans[0][0]
        start = max(0, first - width // 4)
        end = min(len(text), start + width)
        inside = [
            (max(s, start) - start, min(e, end) - start)
            for s, e in spans
            if s < end and e > start
        ]
        body = mark(text[start:end], inside)
        return ("…" if start else "") + body + ("…" if end < len(text) else "")
    for text in texts:
        if text:
            cut = text[:width]
            return html.escape(cut) + ("…" if len(text) > width else "")
    return ""


def plain_text(rich_text: str) -> str:
    """Text of a rich-text (HTML) field: tags dropped, entities decoded."""
    from django.utils.html import strip_tags

    return " ".join(html.unescape(strip_tags(rich_text or "")).split())


def ascii_word(word: str) -> bool:
    return bool(_ASCII_WORD.match(word))
