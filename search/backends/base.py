"""The search interface every backend implements, and the values it passes."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

KINDS = ("lesson", "course", "topic", "lecturer", "vr", "site")
PAGE_KINDS = ("lesson", "course", "topic", "vr", "site")  # ``object_id`` is a page id
FACETS = ("type", "topic", "lecturer", "year")


@dataclass(frozen=True)
class IndexDocument:
    """One searchable thing, as every backend receives it."""

    key: str  # "page:12" or "lecturer:3": what a delete names
    kind: str  # one of KINDS
    ref: str  # stable across databases: "lesson:<slug>", "lecturer:<name>"
    object_id: int
    title: str
    summary: str = ""
    body: str = ""
    lecturers: tuple[str, ...] = ()
    topics: tuple[tuple[str, str], ...] = ()  # (slug, title)
    tags: tuple[str, ...] = ()
    year: int | None = None
    detail_url: str = ""

    @property
    def meta_text(self) -> str:
        return " ".join(
            [*self.lecturers, *(title for _, title in self.topics), *self.tags]
        )


@dataclass(frozen=True)
class SearchQuery:
    text: str
    kind: str | None = None
    topic: str | None = None  # topic slug
    lecturer: str | None = None  # lecturer name
    year: int | None = None
    page: int = 1
    page_size: int = 10
    facets: bool = True


@dataclass(frozen=True)
class Visibility:
    """The documents a search may return, decided at query time (see
    ``search.selectors.search_visibility``), whatever the index still holds: a
    page's document when its id is in ``page_ids``, a lecturer's when theirs is in
    ``lecturer_ids``. Backends apply it inside the query, so totals, facets and
    pages count only what may be seen.

    A visible document may still name a topic unpublished or a lecturer removed
    since it was indexed: ``search.selectors`` keeps a hit's topics and lecturers,
    the topic and lecturer facets and filters to ``topic_slugs`` and
    ``lecturer_names`` (none unless given)."""

    page_ids: frozenset[int]
    lecturer_ids: frozenset[int]
    topic_slugs: frozenset[str] = frozenset()
    lecturer_names: frozenset[str] = frozenset()


@dataclass(frozen=True)
class SearchHit:
    ref: str
    kind: str
    object_id: int
    title: str
    title_highlight: str
    snippet: str
    lecturers: tuple[str, ...]
    topics: tuple[tuple[str, str], ...]
    tags: tuple[str, ...]
    year: int | None
    detail_url: str
    score: float


@dataclass(frozen=True)
class FacetCount:
    value: str
    label: str
    count: int


@dataclass(frozen=True)
class SearchResults:
    query: str
    total: int
    page: int
    page_size: int
    hits: list[SearchHit]
    facets: dict[str, list[FacetCount]] = field(default_factory=dict)
    # "all": every word matched; "any": nothing had them all, these are the
    # closest results by any single word; "suggestion": nothing matched at all,
    # these are the results for ``did_you_mean``.
    match: str = "all"
    did_you_mean: str = ""


@dataclass(frozen=True)
class Suggestion:
    title: str
    kind: str
    ref: str
    detail_url: str


Progress = Callable[[int], None]


class SearchBackend(ABC):
    name: str

    @abstractmethod
    def index(self, documents: Iterable[IndexDocument]) -> int:
        """Add or replace documents (by key); returns how many."""

    @abstractmethod
    def delete(self, keys: Iterable[str]) -> int:
        """Remove documents by key; missing keys are fine. Returns how many went."""

    @abstractmethod
    def search(self, query: SearchQuery, *, visible: Visibility) -> SearchResults:
        """Ranked, highlighted, faceted and paginated results among the documents
        ``visible`` admits (totals and facets count only those)."""

    @abstractmethod
    def suggest(
        self, text: str, *, visible: Visibility, limit: int = 8
    ) -> list[Suggestion]:
        """Titles that start like ``text`` (Chinese, pinyin or initials), of the
        documents ``visible`` admits."""

    @abstractmethod
    def rebuild(
        self, documents: Iterable[IndexDocument], *, progress: Progress | None = None
    ) -> int:
        """Replace the whole index; searches see the old one until it is done."""

    @abstractmethod
    def health(self) -> dict:
        """{"backend", "status" ("green"/"yellow"/"red"), "documents", ...}."""

    @abstractmethod
    def count(self) -> int:
        """How many documents the index holds."""

    @abstractmethod
    def vocabulary_stamp(self) -> tuple:
        """Changes whenever the indexed documents change (cheap)."""

    @abstractmethod
    def vocabulary(self) -> Iterable[str]:
        """Titles, lecturer names, topic titles and tags of the indexed documents:
        what spelling help may suggest (live, public content only)."""

    def synonyms_apply(self, groups: list[list[str]]) -> None:  # noqa: B027
        """Make an index-side copy of the synonym groups current (the database
        backend reads them at query time and needs nothing)."""
