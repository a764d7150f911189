"""Serializer fields for the pages' ``api_fields``.

Wagtail's API v3 reads a field's output type from ``to_representation``'s return
annotation. Nested pages (a course's lessons, a topic's courses) are filtered to live,
public pages here, so a draft or restricted lesson never leaks through its course.
"""

from __future__ import annotations

from typing import Any

from rest_framework.fields import Field


def lecturer_summary(lecturer: Any) -> dict[str, Any]:
    return {
        "id": lecturer.pk,
        "name": lecturer.name,
        "title": lecturer.title,
        "organisation": lecturer.organisation,
    }


class MemberTypesListField(Field):
    """A course's intended member types: a list of codes (empty: every member). The
    column is JSON, which the API would otherwise document as an object."""

    def to_representation(self, value: Any) -> list[str]:
        return [str(code) for code in value or []]


class LecturerSummaryField(Field):
    def to_representation(self, value: Any) -> dict[str, Any] | None:
        return lecturer_summary(value) if value is not None else None


class LecturerListField(Field):
    def to_representation(self, value: Any) -> list[dict[str, Any]]:
        return [lecturer_summary(lecturer) for lecturer in value.all()]


class VideoAssetField(Field):
    """The lesson's video: state always; signed master/poster/thumbnails/subtitle URLs
    only once the asset has a published version (the page itself is visible, or the
    API would not serialise it)."""

    def to_representation(self, value: Any) -> dict[str, Any] | None:
        if value is None:
            return None
        from media_pipeline.selectors import video_asset_playback

        return video_asset_playback(asset=value)


class PageLinkField(Field):
    def to_representation(self, value: Any) -> dict[str, Any] | None:
        from cms.selectors import page_is_public

        if value is None or not page_is_public(page=value):
            return None
        return {"id": value.pk, "title": value.title}


class CourseLessonsField(Field):
    def to_representation(self, value: Any) -> list[dict[str, Any]]:
        from cms.models import CourseLesson, MicroLessonPage
        from cms.selectors import pages_visible_to_public

        visible = pages_visible_to_public(queryset=MicroLessonPage.objects.all())
        links = (
            CourseLesson.objects.filter(course=value, lesson__in=visible)
            .select_related("lesson", "lesson__video")
            .order_by("sort_order")
        )
        return [
            {
                "id": link.lesson.pk,
                "title": link.lesson.title,
                "duration": link.lesson.duration,
                "compulsory": link.compulsory,
                "video_status": link.lesson.video.status if link.lesson.video else None,
            }
            for link in links
        ]


class TopicCoursesField(Field):
    def to_representation(self, value: Any) -> list[dict[str, Any]]:
        from cms.models import CoursePage, TopicCourse
        from cms.selectors import pages_visible_to_public

        visible = pages_visible_to_public(queryset=CoursePage.objects.all())
        links = (
            TopicCourse.objects.filter(topic=value, course__in=visible)
            .select_related("course")
            .order_by("sort_order")
        )
        return [
            {
                "id": link.course.pk,
                "title": link.course.title,
                "category": link.course.category,
                "required": link.required,
            }
            for link in links
        ]


class CoursewareField(Field):
    def to_representation(self, value: Any) -> list[dict[str, Any]]:
        return [
            {
                "title": item.title or item.document.title,
                "url": item.document.url,
                "file_extension": item.document.file_extension,
            }
            for item in value.courseware.select_related("document").all()
        ]


class CoverField(Field):
    """A page's cover as a picture a client can show at once: its image's 640×360
    rendition (JPEG ``url`` and ``webp_url``), or for a lesson without one its
    video's signed poster; ``null`` when neither. Shape in ``cms.covers``."""

    def to_representation(self, value: Any) -> dict[str, Any] | None:
        from cms.covers import cover_api_data

        return cover_api_data(page=value)
