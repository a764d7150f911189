"""Member types belong to the content model (cms decides whom a course is for);
learning reads them from there."""

from cms.choices import MemberType

__all__ = ["MemberType"]
