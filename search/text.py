"""Chinese text handling shared by every backend: one script (OpenCC), segmentation
(jieba), character bigrams, pinyin (pypinyin), query parsing into safe terms (with
the editors' synonyms), and highlighting in the original text.

Text and queries are folded the same way before anything else (``normalise``):
full-width letters and digits to half-width (NFKC), accents off Latin letters
(``dǎng`` -> ``dang``), traditional characters (standard, Hong Kong and Taiwan
forms) to simplified with OpenCC's phrase and character dictionaries, lower case.
Highlights fold the original text character by character (``aligned_fold``), so the
marks land on the text as it was stored, traditional or full-width.

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
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import jieba
import opencc
from pypinyin import Style, lazy_pinyin
from pypinyin.pinyin_dict import pinyin_dict

# Words and runs of letters, digits or CJK characters; "_" is a separator for both
# FTS5's unicode61 tokenizer and PostgreSQL's parser, so it is one here as well.
_WORD_RUN = re.compile(r"[^\W_]+")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_ASCII_WORD = re.compile(r"^[a-z0-9]+$")
_LETTERS = re.compile(r"^[a-z]+$")

# Function words, and the words that frame a question typed as a sentence
# (广州起义是哪一年发生的, 农讲所在哪里), dropped from a query when it has other
# words (never from the index).
QUERY_STOPWORDS = frozenset(
    "的 了 和 与 及 之 是 在 把 被 对 等 或 也 都 就 吗 呢 吧 啊 呀 么 "
    "什么 怎么 怎样 怎么样 如何 为什么 为何 哪 哪里 哪儿 哪些 哪个 哪位 哪一年 "
    "哪年 何时 何地 什么时候 多少 几 谁 请问 请 我 我们 想 想要 要 知道 了解 "
    "一下 有关 关于 相关 介绍 讲 讲讲 说说 有 有没有 有哪些 可以 能 应该 "
    "是不是 一些 发生 位于 时候 在哪 在哪里 在哪儿 课程".split()
)
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


# hk2s: Hong Kong and Taiwan variant forms, then standard traditional, to
# simplified; phrase dictionaries first (乾隆 stays, 乾淨 becomes 干净).
_converter = opencc.OpenCC("hk2s")


def to_simplified(text: str) -> str:
    return _converter.convert(text) if text else ""


def _strip_latin_marks(text: str) -> str:
    """Accents off Latin letters (ǎ -> a, é -> e); other scripts are left alone."""
    if text.isascii():
        return text
    out: list[str] = []
    for char in text:
        if "\u00c0" <= char <= "\u024f" or "\u1e00" <= char <= "\u1eff":
            base = "".join(
                c
                for c in unicodedata.normalize("NFD", char)
                if not unicodedata.combining(c)
            )
            out.append(base if len(base) == 1 else char)
        else:
            out.append(char)
    return "".join(out)


def normalise(text: str) -> str:
    """One form for index and query: half-width (NFKC), Latin accents off,
    simplified characters, lower case, collapsed white space."""
    folded = _strip_latin_marks(unicodedata.normalize("NFKC", text or ""))
    return " ".join(to_simplified(folded).lower().split())


@lru_cache(maxsize=65536)
def _fold_char(char: str) -> str:
    folded = _strip_latin_marks(unicodedata.normalize("NFKC", char)).lower()
    return folded if len(folded) == 1 else char.lower()[:1] or char


# ASCII and the CJK ideographs fold to themselves (ASCII lower-cased) one for one:
# a text made only of them needs no character-by-character pass. Highlighting
# folded every character of every hit's body that way and was half of a search's
# time (docs/search.md, "Where the time goes").
_FOLDS_ITSELF = re.compile(r"[\x00-\x7f\u4e00-\u9fff]*")


@lru_cache(maxsize=1024)
def aligned_fold(text: str) -> str:
    """``text`` folded like ``normalise`` (without collapsing spaces) but character
    for character, so an offset in the result is an offset in ``text``."""
    if _FOLDS_ITSELF.fullmatch(text):
        folded = text.lower()
    else:
        folded = "".join(_fold_char(char) for char in text)
    simplified = to_simplified(folded)
    if len(simplified) == len(folded):
        return simplified
    return "".join(s if len(s := to_simplified(char)) == 1 else char for char in folded)


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
    ``xuexijiaoyu``, ``dsxxjy``, ``xxjy``, ... so ``dangshi`` and ``dsxx`` find it.
    A syllable with ü is there as v and as u (绿色: ``lvse`` and ``luse``)."""
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
    # pypinyin writes ü as v (绿 lv), as most keyboards type it; ü typed as such
    # folds to u (``normalise``), and many type u anyway: both forms are kept.
    # Only ü is ever written v in pinyin, and no initial is v.
    tokens += [token.replace("v", "u") for token in tokens if "v" in token]
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


def pinyin_of_names(names: list[str]) -> str:
    """``pinyin_tokens`` of each of ``names`` (tags, topics, lecturers), spaced."""
    return " ".join(
        dict.fromkeys(
            token for name in names for token in pinyin_tokens(name).split() if token
        )
    )


def ngram_tokens(text: str) -> str:
    """Character bigrams of every run of Chinese characters, in order, so a query
    that is part of a word the segmenter kept whole (明华 of 陈明华, 匏安 of 杨匏安)
    matches as a phrase of its own bigrams. A run of one character is kept as is."""
    tokens: list[str] = []
    for run in _CJK_RUN.findall(normalise(text)):
        if len(run) == 1:
            tokens.append(run)
        tokens.extend(run[i : i + 2] for i in range(len(run) - 1))
    return " ".join(tokens)


def bigrams(word: str) -> list[str]:
    return [word[i : i + 2] for i in range(len(word) - 1)] or [word]


# --- queries ---------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """One token of a query; ``prefix`` matches every indexed token it starts;
    ``ngram`` matches the word's character bigrams, in order, in the n-gram field
    (a part of a longer word), ranked below whole words."""

    text: str
    prefix: bool = False
    ngram: bool = False


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
    # The query's own words (after stop words), for spelling help.
    words: tuple[str, ...] = field(default=())

    @property
    def is_empty(self) -> bool:
        return not self.groups

    def without_ngrams(self) -> ParsedQuery:
        """Whole words only (for the title tier)."""
        groups = tuple(
            TermGroup(tuple(a for a in g.alternatives if not any(t.ngram for t in a)))
            for g in self.groups
        )
        return ParsedQuery(groups, self.marks, self.pinyin, self.words)


@lru_cache(maxsize=1)
def pinyin_syllables() -> frozenset[str]:
    """Every toneless syllable pypinyin knows (ü written v, as in its output)."""
    syllables = set()
    for readings in pinyin_dict.values():
        for reading in readings.split(","):
            reading = reading.replace("ü", "v")
            plain = "".join(
                c
                for c in unicodedata.normalize("NFD", reading)
                if not unicodedata.combining(c)
            )
            if plain.isascii() and plain.isalpha():
                syllables.add(plain)
    return frozenset(syllables)


@lru_cache(maxsize=4096)
def is_pinyin(word: str) -> bool:
    """``word`` can be read as whole toneless syllables (dangshi, xuexi)."""
    syllables = pinyin_syllables()
    reachable = [True] + [False] * len(word)
    for end in range(1, len(word) + 1):
        reachable[end] = any(
            reachable[start] and word[start:end] in syllables
            for start in range(max(0, end - 6), end)
        )
    return bool(word) and reachable[-1]


_TONED = re.compile(r"^(?:[a-z]+[0-5])+[a-z]*$")


def _untoned(word: str) -> str:
    """``dang3shi3`` -> ``dangshi`` when every part is pinyin; else ``word``."""
    if not _TONED.match(word):
        return word
    letters = re.findall(r"[a-z]+", word)
    if all(is_pinyin(part) for part in letters):
        return "".join(letters)
    return word


def _query_words(text: str) -> list[str]:
    """The query cut into words; Chinese characters jieba left one by one
    (匏 安) are kept together as one word (匏安)."""
    words: list[str] = []
    for run in _WORD_RUN.findall(normalise(text)):
        if not has_cjk(run):
            words.append(_untoned(run))
            continue
        singles = ""
        for word in tokenizer().cut(run):
            if not _WORD_RUN.fullmatch(word):
                continue
            if len(word) == 1 and _is_cjk_word(word) and word not in QUERY_STOPWORDS:
                singles += word
                continue
            if singles:
                words.append(singles)
                singles = ""
            words.append(word)
        if singles:
            words.append(singles)
    return words


def _word_alternatives(word: str) -> list[tuple[Term, ...]]:
    """How one query word may match: itself (a prefix for letters and single
    characters), its smaller dictionary words, or its bigrams in the n-gram field
    (part of a word the segmenter kept whole: 明华 in 陈明华)."""
    if not has_cjk(word) or len(word) == 1:
        return [(Term(word, prefix=True),)]
    alternatives: list[tuple[Term, ...]] = [(Term(word),)]
    parts = _smaller_words(word) if len(word) > 3 else []
    # Only whole words: 党 and 史 alone would also match 党员 ... 历史.
    if len(parts) > 1 and all(len(p) > 1 for p in parts):
        alternatives.append(tuple(Term(p) for p in parts))
    if _is_cjk_word(word):
        alternatives.append((Term(word, ngram=True),))
    return alternatives


def _synonym_span(
    words: list[str], start: int, synonyms: Mapping[str, tuple[str, ...]]
) -> tuple[int, tuple[str, ...]] | None:
    for stop in range(min(len(words), start + 8), start, -1):
        equivalents = synonyms.get("".join(words[start:stop]))
        if equivalents:
            return stop, equivalents
    return None


def parse_query(
    text: str, *, synonyms: Mapping[str, tuple[str, ...]] | None = None
) -> ParsedQuery:
    """Cut a user's query into safe term groups (see the module docstring).

    Latin words and one-character Chinese words match as prefixes (``红`` finds
    红色, ``dang`` finds dangshi); pinyin typed in pieces (``dang shi``,
    ``dang3 shi3``) also matches joined; a longer Chinese word matches itself, its
    smaller dictionary words, or its bigrams (a part of a longer word). A run of
    words that is one of the editors' ``synonyms`` (normalised term -> every term
    of its group) matches any term of its group.
    """
    words = _query_words(text)
    synonyms = synonyms or {}
    units: list[tuple[str, tuple[str, ...]]] = []  # (kind, words)
    position = 0
    while position < len(words):
        span = _synonym_span(words, position, synonyms) if synonyms else None
        if span:
            stop, equivalents = span
            units.append(("synonym", equivalents))
            position = stop
            continue
        word = words[position]
        run = [word]
        while (
            _LETTERS.match(word)
            and (is_pinyin(word) or len(word) == 1)
            and position + len(run) < len(words)
        ):
            following = words[position + len(run)]
            if not (
                _LETTERS.match(following)
                and (is_pinyin(following) or len(following) == 1)
            ):
                break
            run.append(following)
        if len(run) > 1:
            units.append(("pinyin", tuple(run)))
        else:
            units.append(("word", (word,)))
        position += len(run)
    meaningful = [
        unit for unit in units if unit[0] != "word" or unit[1][0] not in QUERY_STOPWORDS
    ]
    units = list(dict.fromkeys(meaningful or units))[:MAX_QUERY_TERMS]

    groups, marks, pinyin, own = [], set(), [], []
    for kind, unit_words in units:
        if kind == "word":
            word = unit_words[0]
            own.append(word)
            alternatives = _word_alternatives(word)
            if _LETTERS.match(word) and len(word) >= 2:
                pinyin.append(word)
        elif kind == "pinyin":
            joined_word = "".join(unit_words)
            own.append(joined_word)
            alternatives = [
                (Term(joined_word, prefix=True),),
                tuple(Term(w, prefix=True) for w in unit_words),
            ]
            pinyin.append(joined_word)
        else:
            own.append(unit_words[0])
            alternatives = []
            for term in unit_words:
                term_words = [
                    w for w in _query_words(term) if w not in QUERY_STOPWORDS
                ] or _query_words(term)
                if len(term_words) == 1:
                    alternatives.extend(_word_alternatives(term_words[0]))
                elif term_words:
                    alternatives.append(
                        tuple(
                            Term(w, prefix=len(w) == 1 or not has_cjk(w))
                            for w in term_words
                        )
                    )
                marks.add(term)
            alternatives = list(dict.fromkeys(alternatives))
        groups.append(TermGroup(tuple(alternatives)))
        marks.update(unit_words)
        for alternative in alternatives:
            marks.update(t.text for t in alternative)
    return ParsedQuery(
        groups=tuple(groups),
        marks=tuple(sorted(marks, key=len, reverse=True)),
        pinyin=tuple(dict.fromkeys(pinyin)),
        words=tuple(own),
    )


# --- highlighting ----------------------------------------------------------------


@lru_cache(maxsize=4096)
def _char_pinyin(text: str) -> tuple[tuple[str, str] | None, ...]:
    """Per character of ``text``: (full pinyin, initial) for Chinese, else None."""
    result: list[tuple[str, str] | None] = []
    for word in tokenizer().cut(aligned_fold(text)):
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
    query = query.replace("v", "u")  # ü as v or as u, like the index
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
                built += chars[end][which].replace("v", "u")
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
    folded = aligned_fold(text)  # offsets in it are offsets in ``text``
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


# --- Elasticsearch's copy of the script conversion ------------------------------

_CJK_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF))
OPENCC_PHRASE_DICTIONARIES = (
    "TSPhrases",
    "HKVariantsRevPhrases",
    "TWVariantsRevPhrases",
)


def _opencc_phrases() -> list[str]:
    """The traditional phrases of OpenCC's phrase dictionaries, exported from the
    package's ``.ocd2`` files with the ``opencc_dict`` tool it ships."""
    import subprocess
    import tempfile

    package = Path(opencc.__file__).parent / "clib"
    tool = package / "bin" / "opencc_dict"
    phrases: list[str] = []
    with tempfile.TemporaryDirectory() as workdir:
        for name in OPENCC_PHRASE_DICTIONARIES:
            source = package / "share" / "opencc" / f"{name}.ocd2"
            target = Path(workdir) / f"{name}.txt"
            subprocess.run(  # noqa: S603 - fixed tool and paths, no shell
                [str(tool), "-i", str(source), "-o", str(target)]
                + ["-f", "ocd2", "-t", "text"],
                check=True,
                capture_output=True,
                timeout=60,
            )
            for line in target.read_text(encoding="utf-8").splitlines():
                phrase = line.split("\t", 1)[0].strip()
                if len(phrase) > 1:
                    phrases.append(phrase)
    return phrases


@lru_cache(maxsize=1)
def script_mappings() -> tuple[str, ...]:
    """Traditional -> simplified rules (``黨=>党``) for Elasticsearch's ``mapping``
    char filter, all derived from OpenCC: each character it converts on its own,
    and each of its phrases that it converts otherwise than character by character
    (乾淨=>干净 while 乾隆 stays)."""
    rules: dict[str, str] = {}
    for first, last in _CJK_RANGES:
        for point in range(first, last + 1):
            char = chr(point)
            converted = to_simplified(char)
            if converted != char and len(converted) == 1:
                rules[char] = converted
    for phrase in _opencc_phrases():
        converted = to_simplified(phrase)
        by_char = "".join(rules.get(char, char) for char in phrase)
        if converted != by_char and len(converted) == len(phrase):
            rules[phrase] = converted
    return tuple(f"{source}=>{target}" for source, target in sorted(rules.items()))
