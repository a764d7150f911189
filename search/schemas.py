from ninja import Field, Schema


class SearchIn(Schema):
    q: str = ""
    type: str | None = None
    topic: str | None = None
    lecturer: str | None = None
    year: int | None = Field(default=None, ge=1900, le=2999)
    page: int = 1


class SuggestIn(Schema):
    q: str = ""


class TopicRefOut(Schema):
    slug: str
    title: str


class SearchHitOut(Schema):
    ref: str
    type: str
    id: int
    title: str
    title_highlight: str
    snippet: str
    lecturers: list[str]
    topics: list[TopicRefOut]
    tags: list[str]
    year: int | None
    detail_url: str
    score: float


class FacetValueOut(Schema):
    value: str
    label: str
    count: int


class SearchFacetsOut(Schema):
    type: list[FacetValueOut]
    topic: list[FacetValueOut]
    lecturer: list[FacetValueOut]
    year: list[FacetValueOut]


class SearchResultsOut(Schema):
    query: str
    match: str = Field(
        description="all: every word matched; any: nothing had them all, the "
        "closest results by any single word; suggestion: nothing matched, the "
        "results for did_you_mean"
    )
    did_you_mean: str = Field(description="the query with its unknown words corrected")
    total: int
    page: int
    page_size: int
    pages: int
    items: list[SearchHitOut]
    facets: SearchFacetsOut


class SuggestionOut(Schema):
    title: str
    type: str
    ref: str
    detail_url: str


class SuggestOut(Schema):
    query: str
    items: list[SuggestionOut]


class SearchHealthOut(Schema):
    backend: str
    status: str
    documents: int | None = None
    detail: str | None = None
