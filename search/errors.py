"""Refusals the search app raises (see ``dangke.errors``)."""

from dangke.errors import DomainError


class SearchError(DomainError):
    """Base of search's refusals."""


class QueryInvalid(SearchError):
    """A query the search cannot run: empty, too long, an unknown type or page."""
