"""What is searchable, as ``IndexDocument``s built from the content models.

Only live, public pages are searchable; a page with a video (lessons, VR courseware)
only once the video is ready. Lessons without a video are text lessons and are
searchable. Lecturers of the pool (师资库) are all public.

A lesson's subtitle text (``media_pipeline.selectors.video_asset_subtitle_text``) is
indexed with its body, at the body's weight.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from wagtail.models import Page

from cms.models import (
    CoursePage,
    Lecturer,
    MicroLessonPage,
    TeachingSitePage,
    TopicPage,
    VRCoursewarePage,
)
from cms.selectors import (
    course_lesson_links,
    courses_holding_lessons,
    page_is_public,
    pages_visible_to_public,
    topic_course_links,
    topics_holding_courses,
)
from media_pipeline.selectors import (
    video_asset_is_playable,
    video_asset_subtitle_text,
)
from search.backends.base import IndexDocument
from search.text import plain_text

PAGE_KINDS: dict[type[Page], str] = {
    MicroLessonPage: "lesson",
    CoursePage: "course",
    TopicPage: "topic",
    VRCoursewarePage: "vr",
    TeachingSitePage: "site",
}
SEARCHABLE_PAGE_MODELS = tuple(PAGE_KINDS)


def page_key(page_id: int) -> str:
    return f"page:{page_id}"


def lecturer_key(lecturer_id: int) -> str:
    return f"lecturer:{lecturer_id}"


def subtitle_text(video) -> str:
    """The subtitle text of ``video`` ("" without a video)."""
    if video is None:
        return ""
    return video_asset_subtitle_text(asset=video)


def _public(queryset):
    return pages_visible_to_public(queryset=queryset)


def _media_ready(page: Page) -> bool:
    """Pages without a video (text lessons, topics, ...) or with one that plays (a
    published version; a failed re-run keeps the previous one playing)."""
    return getattr(page, "video_id", None) is None or video_asset_is_playable(
        asset=page.video
    )


def _year(page: Page) -> int | None:
    moment = page.first_published_at or page.last_published_at
    return moment.year if moment else None


def _topics_of_courses(course_ids: Iterable[int]) -> list[tuple[str, str]]:
    topics = _public(topics_holding_courses(course_ids=course_ids)).order_by("path")
    return [(topic.slug, topic.title) for topic in topics]


def _page_document(page: Page, kind: str, **fields) -> IndexDocument:
    fields.setdefault("year", _year(page))
    return IndexDocument(
        key=page_key(page.pk),
        kind=kind,
        ref=f"{kind}:{page.slug}",
        object_id=page.pk,
        title=page.title,
        detail_url=f"/api/v3/pages/{page.pk}/",
        **fields,
    )


def _lesson(page: MicroLessonPage) -> IndexDocument:
    course_ids = list(
        _public(courses_holding_lessons(lesson_ids=[page.pk])).values_list(
            "pk", flat=True
        )
    )
    body = " ".join(filter(None, [plain_text(page.body), subtitle_text(page.video)]))
    return _page_document(
        page,
        "lesson",
        summary=page.summary,
        body=body,
        lecturers=(page.lecturer.name,) if page.lecturer else (),
        topics=tuple(_topics_of_courses(course_ids)),
        tags=tuple(tag.name for tag in page.tags.all()),
    )


def _course(page: CoursePage) -> IndexDocument:
    lesson_ids = [link.lesson_id for link in course_lesson_links(course_ids=[page.pk])]
    lessons = _public(MicroLessonPage.objects.filter(pk__in=lesson_ids)).order_by(
        "path"
    )
    return _page_document(
        page,
        "course",
        summary=page.summary,
        body=" ".join(lesson.title for lesson in lessons),
        lecturers=tuple(lecturer.name for lecturer in page.lecturers.all()),
        topics=tuple(_topics_of_courses([page.pk])),
        tags=tuple(tag.name for tag in page.tags.all()),
    )


def _topic(page: TopicPage) -> IndexDocument:
    course_ids = [link.course_id for link in topic_course_links(topic_ids=[page.pk])]
    courses = _public(CoursePage.objects.filter(pk__in=course_ids)).order_by("path")
    year = page.start_date.year if page.start_date else _year(page)
    return _page_document(
        page,
        "topic",
        summary=plain_text(page.intro),
        body=" ".join(course.title for course in courses),
        topics=((page.slug, page.title),),
        year=year,
    )


def _vr(page: VRCoursewarePage) -> IndexDocument:
    site = page.teaching_site
    if site is not None and not page_is_public(page=site):
        site = None  # a draft or restricted site's name must not leak through search
    return _page_document(
        page,
        "vr",
        summary=page.summary,
        body=" ".join(filter(None, [page.device_requirements, site and site.title])),
    )


def _site(page: TeachingSitePage) -> IndexDocument:
    return _page_document(
        page,
        "site",
        summary=page.address,
        body=plain_text(page.history),
    )


BUILDERS = {
    MicroLessonPage: _lesson,
    CoursePage: _course,
    TopicPage: _topic,
    VRCoursewarePage: _vr,
    TeachingSitePage: _site,
}


def lecturer_document(lecturer: Lecturer) -> IndexDocument:
    return IndexDocument(
        key=lecturer_key(lecturer.pk),
        kind="lecturer",
        ref=f"lecturer:{lecturer.name}",
        object_id=lecturer.pk,
        title=lecturer.name,
        # Specialties go with the tags (weight B, like a lesson's tags): a lesson
        # about 统一战线 should outrank the lecturer who teaches it.
        summary=" ".join(filter(None, [lecturer.title, lecturer.organisation])),
        body=plain_text(lecturer.bio),
        lecturers=(lecturer.name,),
        tags=tuple(lecturer.specialty_list),
        detail_url=f"/api/v3/lecturers/{lecturer.pk}/",
    )


def _searchable_pages(model: type[Page], ids: Iterable[int] | None = None):
    queryset = _public(model.objects.all())
    if ids is not None:
        queryset = queryset.filter(pk__in=list(ids))
    if model in (MicroLessonPage, VRCoursewarePage):
        queryset = queryset.select_related("video")
    if model is MicroLessonPage:
        queryset = queryset.select_related("lecturer").prefetch_related("tags")
    if model is CoursePage:
        queryset = queryset.prefetch_related("lecturers", "tags")
    if model is VRCoursewarePage:
        queryset = queryset.select_related("teaching_site")
    return queryset.order_by("path")


def page_documents(page_ids: Iterable[int]) -> tuple[list[IndexDocument], set[int]]:
    """Documents for those of ``page_ids`` that are searchable, and the ids of the
    others (deleted, unpublished, restricted, not searchable or video not ready)."""
    wanted = set(page_ids)
    documents = []
    for model, build in BUILDERS.items():
        for page in _searchable_pages(model, wanted):
            if _media_ready(page):
                documents.append(build(page))
    found = {doc.object_id for doc in documents}
    return documents, wanted - found


def all_documents() -> Iterator[IndexDocument]:
    for model, build in BUILDERS.items():
        for page in _searchable_pages(model).iterator(chunk_size=200):
            if _media_ready(page):
                yield build(page)
    for lecturer in Lecturer.objects.order_by("pk").iterator(chunk_size=200):
        yield lecturer_document(lecturer)


def all_documents_count() -> int:
    """An upper bound of ``all_documents()`` (for a progress bar)."""
    pages = sum(_searchable_pages(model).count() for model in BUILDERS)
    return pages + Lecturer.objects.count()
