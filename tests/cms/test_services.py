"""cms's writes that other apps trigger: a published video fills lesson durations."""

from __future__ import annotations

from cms import services
from cms.models import MicroLessonPage
from media_pipeline.signals import video_asset_published
from tests import factories


def test_a_published_video_fills_the_durations_nobody_entered(section):
    asset = factories.video_asset(title="素材", duration=125.4)
    empty = factories.lesson(section, title="待填", video=asset)
    kept = factories.lesson(section, title="已填", video=asset, duration=99)
    other = factories.lesson(section, title="别的视频")

    video_asset_published.send(sender=type(asset), asset=asset)

    assert MicroLessonPage.objects.get(pk=empty.pk).duration == 125
    assert MicroLessonPage.objects.get(pk=kept.pk).duration == 99
    assert MicroLessonPage.objects.get(pk=other.pk).duration == 0
    # the next edit starts from the latest revision: it keeps the duration
    empty.refresh_from_db()
    assert empty.latest_revision.content["duration"] == 125


def test_an_unknown_duration_changes_nothing(section):
    asset = factories.video_asset(title="素材")
    lesson = factories.lesson(section, video=asset)
    assert services.lesson_durations_fill(asset_id=asset.pk, duration=None) == 0
    assert MicroLessonPage.objects.get(pk=lesson.pk).duration == 0
