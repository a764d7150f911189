"""Reads of content that other apps, the API and the portal use.

cms owns its pages, their link tables and the rule of who may see a page; other apps
ask here instead of querying ``CourseLesson``/``TopicCourse`` or view restrictions.
The public teaching sites and red routes (红色阵地) are read here too.

**Who may see a page** is one rule: the page is live and every view restriction on it
and its ancestors accepts the request (Wagtail's ``PageViewRestriction
.accept_request``). That decides the login and group restrictions by the request's
user, and a password restriction by the request's session: a visitor who entered a
page's password in the portal sees it (and its video and courseware) for that
session; an API client with a bearer token has no such session and never does.
``public`` means the stricter "live and under no restriction at all": what the
search index holds, what reports and learning count, what anyone may see.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from wagtail.api.querysets import get_public_pages_queryset
from wagtail.models import Page

from cms.models import (
    CourseLesson,
    CoursePage,
    MicroLessonPage,
    RedRoute,
    RedRouteStop,
    TeachingSitePage,
    TopicCourse,
    TopicPage,
    VRCoursewarePage,
)

# --- who may see a page -----------------------------------------------------------


def pages_visible_to_public(*, queryset: QuerySet) -> QuerySet:
    """Keep only live pages without view restrictions on them or their ancestors."""
    return queryset.live().public()


def page_is_public(*, page: Page) -> bool:
    """True when ``page`` is live and neither it nor an ancestor is restricted."""
    return page.live and not page.get_view_restrictions().exists()


def page_visible_to_request(*, page: Page, request: HttpRequest) -> bool:
    """True when ``page`` is live and every restriction on it or an ancestor accepts
    ``request`` (see the module docstring for passwords)."""
    return page.live and all(
        restriction.accept_request(request)
        for restriction in page.get_view_restrictions()
    )


def pages_visible_to_request(*, queryset: QuerySet, request: HttpRequest) -> QuerySet:
    """``queryset`` less the pages ``request`` may not see, by the same rule as
    ``page_visible_to_request``, scoped to the request's site (``?site=`` on the
    API).

    Raises ``ValueError`` when the request names several sites.
    """
    return get_public_pages_queryset(request, queryset.model) & queryset


# --- pages using a video or a document ----------------------------------------------

PAGE_MODELS_WITH_VIDEO = (MicroLessonPage, VRCoursewarePage)


def pages_using_video(*, asset_id: int, live: bool = True) -> list[Page]:
    """The lessons and VR courseware whose video is ``asset_id`` (live ones only,
    unless ``live`` is false)."""
    pages: list[Page] = []
    for model in PAGE_MODELS_WITH_VIDEO:
        queryset = model.objects.filter(video_id=asset_id)
        pages.extend(queryset.live() if live else queryset)
    return pages


def page_ids_using_video(*, asset_id: int) -> list[int]:
    """Ids of every lesson or VR courseware (live or not) using ``asset_id``."""
    return [page.pk for page in pages_using_video(asset_id=asset_id, live=False)]


def video_asset_visible_through_pages(*, asset: Any, request: HttpRequest) -> bool:
    """True when a live page that ``request`` may see uses ``asset``."""
    return any(
        page_visible_to_request(page=page, request=request)
        for page in pages_using_video(asset_id=asset.pk)
    )


def pages_using_document(*, document_id: int) -> list[Page]:
    """Live lessons with ``document_id`` as courseware, and live VR courseware with
    it as their package."""
    return list(
        MicroLessonPage.objects.live().filter(courseware__document_id=document_id)
    ) + list(VRCoursewarePage.objects.live().filter(package_id=document_id))


# --- courses, lessons and topics ----------------------------------------------------


@dataclass(frozen=True)
class CourseLessonLink:
    course_id: int
    lesson_id: int
    compulsory: bool
    sort_order: int


@dataclass(frozen=True)
class TopicCourseLink:
    topic_id: int
    course_id: int
    required: bool
    sort_order: int


def _filtered(queryset: QuerySet, **filters: Iterable[int] | None) -> QuerySet:
    for name, ids in filters.items():
        if ids is not None:
            queryset = queryset.filter(**{f"{name}__in": list(ids)})
    return queryset


def course_lesson_links(
    *,
    course_ids: Iterable[int] | None = None,
    lesson_ids: Iterable[int] | None = None,
) -> list[CourseLessonLink]:
    """Which lessons each course holds, in course order (every link, whatever the
    pages' state); filter by either side."""
    rows = _filtered(
        CourseLesson.objects.all(), course_id=course_ids, lesson_id=lesson_ids
    ).order_by("course_id", "sort_order", "pk")
    return [
        CourseLessonLink(
            row.course_id, row.lesson_id, row.compulsory, row.sort_order or 0
        )
        for row in rows
    ]


def topic_course_links(
    *,
    topic_ids: Iterable[int] | None = None,
    course_ids: Iterable[int] | None = None,
) -> list[TopicCourseLink]:
    """Which courses each topic holds, in topic order; filter by either side."""
    rows = _filtered(
        TopicCourse.objects.all(), topic_id=topic_ids, course_id=course_ids
    ).order_by("topic_id", "sort_order", "pk")
    return [
        TopicCourseLink(row.topic_id, row.course_id, row.required, row.sort_order or 0)
        for row in rows
    ]


def course_lessons(*, course: CoursePage) -> list[tuple[MicroLessonPage, bool]]:
    """A course's lessons in order with their 必学 flag (every lesson, whatever its
    state; filter with the visibility selectors)."""
    return [
        (link.lesson, link.compulsory)
        for link in course.course_lessons.select_related("lesson").order_by(
            "sort_order", "pk"
        )
    ]


def topic_courses(*, topic: TopicPage) -> list[tuple[CoursePage, bool]]:
    """A topic's courses in order with their 必学 flag."""
    return [
        (link.course, link.required)
        for link in topic.topic_courses.select_related("course").order_by(
            "sort_order", "pk"
        )
    ]


def courses_holding_lessons(*, lesson_ids: Iterable[int]) -> QuerySet:
    """The courses (any state) that hold one of ``lesson_ids``."""
    return CoursePage.objects.filter(
        course_lessons__lesson_id__in=list(lesson_ids)
    ).distinct()


def topics_holding_courses(*, course_ids: Iterable[int]) -> QuerySet:
    """The topics (any state) that hold one of ``course_ids``."""
    return TopicPage.objects.filter(
        topic_courses__course_id__in=list(course_ids)
    ).distinct()


# --- teaching sites and red routes --------------------------------------------------

# Sites within this many degrees (~5 km) of a site are its neighbours.
NEARBY_DEGREES = 0.05


def teaching_sites_public() -> list[TeachingSitePage]:
    """Live teaching sites without a view restriction, in the editors' tree order."""
    return list(
        pages_visible_to_public(queryset=TeachingSitePage.objects.all()).order_by(
            "path"
        )
    )


def teaching_sites_near(
    *, site: TeachingSitePage, degrees: float = NEARBY_DEGREES
) -> list[TeachingSitePage]:
    """The public teaching sites other than ``site`` within ``degrees`` of it in
    latitude and in longitude, in tree order."""
    return [
        other
        for other in teaching_sites_public()
        if other.pk != site.pk
        and abs(other.latitude - site.latitude) <= degrees
        and abs(other.longitude - site.longitude) <= degrees
    ]


@dataclass
class PublicRedRoute:
    """A red route as anyone may see it: only its public stops, in order."""

    route: RedRoute
    stops: list[tuple[TeachingSitePage, str]]  # (site, note) in order

    @property
    def pk(self) -> int:
        return self.route.pk

    @property
    def name(self) -> str:
        return self.route.name

    @property
    def description(self) -> str:
        return self.route.description


def red_routes_public(*, route_id: int | None = None) -> list[PublicRedRoute]:
    """Red routes by name with their public stops in order: a stop at a draft or
    restricted site is left out, and so is a route without any public stop.
    ``route_id`` narrows to one route."""
    routes = RedRoute.objects.order_by("name", "pk").prefetch_related(
        Prefetch(
            "stops",
            queryset=RedRouteStop.objects.select_related("site").order_by(
                "sort_order", "pk"
            ),
        )
    )
    if route_id is not None:
        routes = routes.filter(pk=route_id)
    routes = list(routes)
    site_ids = {stop.site_id for route in routes for stop in route.stops.all()}
    public_ids = set(
        pages_visible_to_public(
            queryset=TeachingSitePage.objects.filter(pk__in=site_ids)
        ).values_list("pk", flat=True)
    )
    public = []
    for route in routes:
        stops = [
            (stop.site, stop.note)
            for stop in route.stops.all()
            if stop.site_id in public_ids
        ]
        if stops:
            public.append(PublicRedRoute(route=route, stops=stops))
    return public


def red_routes_through(*, site: TeachingSitePage) -> list[PublicRedRoute]:
    """The public red routes with ``site`` among their public stops."""
    return [
        route
        for route in red_routes_public()
        if any(stop.pk == site.pk for stop, _ in route.stops)
    ]
