"""Spelling help: "did you mean" for a query the index cannot fully answer.

The candidates are the words of what is indexed (titles cut into words, whole
titles, lecturer names, topic titles, tags: live, public content only, as the
index holds nothing else), read once per state of the index. A query word that is
neither among them nor found on its own is replaced by the nearest candidate:

1. the same pinyin (党使 -> 党史, a homophone typed with an input method);
2. one character different (two for words of five or more; none for words of
   two characters, where that would be half the word);
3. pinyin one letter different (dangshu -> 党史; initials too: dxsx -> 党史学习).

Ties go to the candidate found in more documents.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from pypinyin import Style, lazy_pinyin

from dangke.cache import ProcessCache
from search import text

MAX_CANDIDATE_LENGTH = 24


def edit_distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance of ``a`` and ``b``, or ``limit + 1`` once above it."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i]
        for j, char_b in enumerate(b, 1):
            current.append(
                min(
                    previous[j] + 1,
                    current[j - 1] + 1,
                    previous[j - 1] + (char_a != char_b),
                )
            )
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def _pinyin(word: str) -> tuple[str, str]:
    return (
        "".join(lazy_pinyin(word)),
        "".join(lazy_pinyin(word, style=Style.FIRST_LETTER)),
    )


@dataclass
class Vocabulary:
    frequency: Counter = field(default_factory=Counter)
    by_pinyin: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    by_char: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    by_letter: dict[str, list[tuple[str, str]]] = field(
        default_factory=lambda: defaultdict(list)
    )

    def add(self, word: str) -> None:
        if not 2 <= len(word) <= MAX_CANDIDATE_LENGTH or not text.has_cjk(word):
            return
        self.frequency[word] += 1
        if self.frequency[word] > 1:
            return
        full, initials = _pinyin(word)
        self.by_pinyin[full].append(word)
        for char in set(word):
            self.by_char[char].append(word)
        for spelled in {full, initials}:
            if spelled.isascii() and spelled.isalpha():
                self.by_letter[spelled[0]].append((spelled, word))

    def __contains__(self, word: str) -> bool:
        return word in self.frequency


def vocabulary_build(entries: Iterable[str]) -> Vocabulary:
    vocabulary = Vocabulary()
    for entry in entries:
        folded = text.normalise(entry)
        vocabulary.add(folded.replace(" ", ""))
        # Words and their dictionary sub-words (党史 in 党史学习教育).
        for word in dict.fromkeys(text.segment(folded).split()):
            if word != folded:
                vocabulary.add(word)
    return vocabulary


def _limit(word: str) -> int:
    return 1 if len(word) < 5 else 2


def nearest(word: str, vocabulary: Vocabulary) -> str:
    """The nearest candidate to one normalised query word, or ""."""
    best: tuple | None = None

    def consider(candidate: str, rank: int, distance: int) -> None:
        nonlocal best
        if candidate == word:
            return
        key = (rank, distance, -vocabulary.frequency[candidate], candidate)
        if best is None or key < best:
            best = key

    if text.has_cjk(word):
        full, _ = _pinyin(word)
        for candidate in vocabulary.by_pinyin.get(full, ()):
            consider(candidate, 0, abs(len(candidate) - len(word)))
        # One character of two is too far (量子 is not 钉子): edits from three on.
        if best is None and len(word) >= 3:
            limit = _limit(word)
            seen: set[str] = set()
            for char in set(word):
                for candidate in vocabulary.by_char.get(char, ()):
                    if candidate in seen:
                        continue
                    seen.add(candidate)
                    distance = edit_distance(word, candidate, limit)
                    if distance <= limit:
                        consider(candidate, 1, distance)
        spelled = full
    else:
        spelled = word
    if best is None and spelled.isascii() and len(spelled) >= 3:
        limit = 1 if len(spelled) < 8 else 2
        for pinyin, candidate in vocabulary.by_letter.get(spelled[0], ()):
            distance = edit_distance(spelled, pinyin, limit)
            if distance <= limit:
                consider(candidate, 2, distance)
    return best[3] if best else ""


# Kept under the index's state (``dangke.cache``): a change to the index in any
# process is seen by the next query.
_vocabularies = ProcessCache("search.vocabulary", ttl=None, max_entries=1)


def vocabulary_current(
    stamp: tuple, entries: Callable[[], Iterable[str]]
) -> Vocabulary:
    """The vocabulary for the index state ``stamp``, built from ``entries()`` when
    the state changed since the last call."""
    return _vocabularies.get_or_build(
        "vocabulary", lambda: vocabulary_build(entries()), stamp=stamp
    )


def did_you_mean(
    words: Iterable[str],
    vocabulary: Vocabulary,
    *,
    found_alone: Callable[[str], bool],
) -> str:
    """The query with each word that is unknown (not a candidate and not found on
    its own) replaced by its nearest candidate; "" when nothing was replaced."""
    corrected, changed = [], False
    for word in words:
        if word in vocabulary or found_alone(word):
            corrected.append(word)
            continue
        replacement = nearest(word, vocabulary)
        if replacement:
            corrected.append(replacement)
            changed = True
        else:
            corrected.append(word)
    return " ".join(corrected) if changed else ""
