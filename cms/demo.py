"""Builds the demo content from ``cms.demo_data``. Idempotent: every object is found
by a stable key (slug, name, username) and created only when missing."""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal
from typing import IO
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from django.db import transaction
from wagtail.documents.models import Document
from wagtail.models import Page, Site, Workflow

from cms import demo_data, demo_media
from cms.demo_media import (
    ClipSizes,
    DemoClip,
    lesson_clip_ensure,
    panorama_clip_ensure,
)
from cms.models import (
    CourseLesson,
    CoursePage,
    HomePage,
    Lecturer,
    LessonCourseware,
    MicroLessonPage,
    RedRoute,
    RedRouteStop,
    SectionPage,
    TeachingSitePage,
    TopicCourse,
    TopicPage,
    VRCoursewarePage,
)
from dangke.progress import ProgressBar

SECTIONS = {
    "courses": ("课程", "<p>必修课与选修课。</p>"),
    "lessons": ("微党课", "<p>短小精悍的微党课视频。</p>"),
    "vr": ("VR 课件", "<p>全景视频与现场 VR 体验。</p>"),
    "sites": ("现场教学", "<p>红色遗址与现场教学点。</p>"),
}


def demo_users_ensure() -> dict[str, object]:
    """Create the demo logins (password ``dangke-demo``) and return them by username."""
    User = get_user_model()
    users = {}
    for username, name, groups, is_superuser, _ in demo_data.DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": name,
                "email": f"{username}@demo.dangke.local",
                "is_superuser": is_superuser,
                "is_staff": is_superuser,
            },
        )
        if created:
            user.set_password(demo_data.DEMO_PASSWORD)
            user.save()
        for group in groups:
            user.groups.add(Group.objects.get(name=group))
        users[username] = user
    return users


def _child(parent: Page, model: type[Page], slug: str, **fields) -> tuple[Page, bool]:
    existing = model.objects.child_of(parent).filter(slug=slug).first()
    if existing is not None:
        return existing, False
    page = model(slug=slug, **fields)
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page, True


def _publish(page: Page) -> None:
    page.save_revision().publish()


def _demo_video(title: str, clip: DemoClip, uploader) -> object:
    """The demo's asset named ``title``: made from ``clip`` with its subtitles when
    missing, and processed here."""
    from media_pipeline import services as media_services
    from media_pipeline.models import VideoAsset
    from media_pipeline.selectors import video_asset_is_playable

    asset = VideoAsset.objects.filter(title=title).first()
    if asset is None:
        with clip.path.open("rb") as handle:
            asset = media_services.video_asset_create(
                file=File(handle, name=f"{title}.mp4"),
                title=title,
                uploaded_by=uploader,
            )
    if not asset.subtitles.exists():
        media_services.subtitle_attach(asset=asset, raw=clip.webvtt.encode())
    if not video_asset_is_playable(asset=asset):
        # Processed here rather than by the worker, so the demo plays as soon as
        # `make run` serves; the task queued on commit then finds it ready.
        asset = media_services.video_asset_process(asset_id=asset.pk)
    return asset


def demo_site_configure(*, base_url: str) -> Site:
    """Give the default Wagtail site the platform's name and the host and port the
    demo is served on (``make run``: http://127.0.0.1:8000), so the API's
    ``html_url`` and every absolute link point at a page that answers. Raises
    ``ValueError`` for a URL that is not http(s)://host[:port]."""
    parts = urlsplit(base_url)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise ValueError(f"{base_url!r}: the port is not a number") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{base_url!r} is not an http(s)://host[:port] URL")
    site = Site.objects.filter(is_default_site=True).first() or Site(
        root_page=HomePage.objects.get(depth=2), is_default_site=True
    )
    site.hostname, site.port = parts.hostname, port
    site.site_name = settings.WAGTAIL_SITE_NAME
    site.save()
    return site


def demo_content_load(
    *,
    stdout: IO[str] | None = None,
    with_media: bool = True,
    clip_sizes: ClipSizes | None = None,
) -> None:
    """Build the demo: users, lecturers, sites, lessons, courses, topics, VR, a route
    and a lecturer's submission waiting for review. ``with_media=False`` skips the
    generated videos (for tests that need only the text content); ``clip_sizes``
    (``demo_media.FULL_SIZE`` by default) makes them tiny for tests. Raises ``cms.demo_media.DemoMediaUnavailable`` when
    the media is asked for and the Chinese font is missing."""
    steps = 9 + (2 * len(demo_data.LESSONS) + 3 if with_media else 0)
    bar = ProgressBar(steps, "演示内容", stream=stdout)
    users = demo_users_ensure()
    bar.advance(note="users")

    home = HomePage.objects.get(depth=2)
    sections = {}
    for slug, (title, intro) in SECTIONS.items():
        sections[slug], _ = _child(home, SectionPage, slug, title=title, intro=intro)
    bar.advance(note="sections")

    lecturers = {}
    for item in demo_data.LECTURERS:
        fields = {k: v for k, v in item.items() if k not in {"key", "name"}}
        lecturers[item["key"]], _ = Lecturer.objects.get_or_create(
            name=item["name"], defaults=fields
        )
    chen = lecturers["chen"]
    if chen.user_id is None:
        chen.user = users["lecturer"]
        chen.save(update_fields=["user"])
    bar.advance(note="lecturers")

    sites = {}
    for item in demo_data.SITES:
        fields = {k: v for k, v in item.items() if k != "slug"}
        sites[item["slug"]], _ = _child(
            sections["sites"], TeachingSitePage, item["slug"], **fields
        )
    bar.advance(note="sites")

    lessons = {}
    for slug, title, lecturer_key, summary, tags in demo_data.LESSONS:
        script = demo_data.LESSON_SCRIPTS[slug]
        lesson, created = _child(
            sections["lessons"],
            MicroLessonPage,
            slug,
            title=title,
            summary=summary,
            lecturer=lecturers[lecturer_key],
            body="".join(f"<p>{text}</p>" for text in [summary, *script]),
        )
        if created:
            lesson.tags.set(tags)
            _publish(lesson)
        lessons[slug] = lesson
    bar.advance(note="lessons")

    key_points = lessons["third-plenum-key-points"]
    if not key_points.courseware.exists():
        document = Document(title="二十届三中全会精神学习提纲")
        document.file.save(
            "study-outline.txt",
            ContentFile(
                "二十届三中全会精神学习提纲\n一、总目标\n二、重大原则\n".encode()
            ),
        )
        document.save()
        key_points.courseware = [LessonCourseware(document=document, title="学习提纲")]
        _publish(key_points)

    courses = {}
    for (
        slug,
        title,
        category,
        summary,
        lecturer_keys,
        items,
        hours,
        tags,
    ) in demo_data.COURSES:
        course = (
            CoursePage.objects.child_of(sections["courses"]).filter(slug=slug).first()
        )
        if course is None:
            course = CoursePage(
                slug=slug,
                title=title,
                category=category,
                summary=summary,
                credit_hours=Decimal(hours) if hours else None,
            )
            course.course_lessons = [
                CourseLesson(lesson=lessons[lesson_slug], compulsory=compulsory)
                for lesson_slug, compulsory in items
            ]
            course.lecturers = [lecturers[key] for key in lecturer_keys]
            sections["courses"].add_child(instance=course)
            course.tags.set(tags)
            _publish(course)
        courses[slug] = course
    bar.advance(note="courses")

    for slug, title, intro, start, end, items in demo_data.TOPICS:
        topic = TopicPage.objects.child_of(home).filter(slug=slug).first()
        if topic is None:
            topic = TopicPage(
                slug=slug,
                title=title,
                intro=intro,
                start_date=date.fromisoformat(start),
                end_date=date.fromisoformat(end),
            )
            topic.topic_courses = [
                TopicCourse(course=courses[course_slug], required=required)
                for course_slug, required in items
            ]
            home.add_child(instance=topic)
            _publish(topic)
    bar.advance(note="topics")

    for item in demo_data.VR_COURSEWARE:
        _child(
            sections["vr"],
            VRCoursewarePage,
            item["slug"],
            title=item["title"],
            kind=item["kind"],
            summary=item["summary"],
            device_requirements=item["device_requirements"],
            duration=item["duration"],
            teaching_site=sites[item["site"]],
            completion_rule=item["completion_rule"],
        )
    route, created = RedRoute.objects.get_or_create(
        name=demo_data.RED_ROUTE["name"],
        defaults={"description": demo_data.RED_ROUTE["description"]},
    )
    if created:
        route.stops = [
            RedRouteStop(site=sites[site], note=note, sort_order=index)
            for index, (site, note) in enumerate(demo_data.RED_ROUTE["stops"])
        ]
        route.save()
    bar.advance(note="VR and route")

    _submission_ensure(users["lecturer"], lecturers[demo_data.SUBMISSION["lecturer"]])
    bar.advance(note="submission")

    if with_media:
        demo_covers_attach()
        bar.advance(note="covers")
        sizes = clip_sizes or demo_media.FULL_SIZE
        _demo_media_attach(bar, users, lecturers, lessons, sizes)


def demo_covers_attach() -> int:
    """Give each demo topic and course a drawn cover (``demo_media.cover_draw``),
    kept as a Wagtail image named 封面：<title> and published with the page; the
    lessons show their videos' posters instead. A page with a cover already, or an
    image of that name, is left alone: a second run adds nothing. Returns how many
    pages got one. Raises ``DemoMediaUnavailable`` without the CJK font."""
    from wagtail.images import get_image_model

    Image = get_image_model()
    wanted = [
        (CoursePage, slug, "课程", title) for slug, title, *_ in demo_data.COURSES
    ] + [(TopicPage, slug, "专题", title) for slug, title, *_ in demo_data.TOPICS]
    attached = 0
    for model, slug, label, title in wanted:
        page = model.objects.filter(slug=slug).first()
        if page is None or page.cover_id is not None:
            continue
        name = f"封面：{title}"
        image = Image.objects.filter(title=name).first()
        if image is None:
            drawn = demo_media.cover_draw(title=title, label=label)
            image = Image.objects.create(
                title=name,
                description=f"{label}《{title}》的封面：红色渐变上的标题",
                # ImageFile: the field reads width and height from it
                file=ImageFile(io.BytesIO(drawn), name=f"cover-{slug}.jpg"),
            )
        with transaction.atomic():
            page = model.objects.get(pk=page.pk)
            page.cover = image
            _publish(page)
        attached += 1
    return attached


def _demo_media_attach(bar, users, lecturers, lessons, clip_sizes) -> None:
    """Each lesson's narrated clip and the VR courseware's 360° room, generated once
    (kept under var/demo-media/), then uploaded, subtitled and processed. Two clips
    are drawn and voiced at a time (ffmpeg and espeak-ng run as their own processes);
    the uploads and transcodes follow in order."""
    missing = [item for item in demo_data.LESSONS if lessons[item[0]].video_id is None]

    def generate(item) -> DemoClip:
        slug, title, lecturer_key, summary, _tags = item
        lecturer = lecturers[lecturer_key]
        return lesson_clip_ensure(
            title=title,
            byline=f"主讲 {lecturer.name} · {lecturer.title}",
            summary=summary,
            paragraphs=demo_data.LESSON_SCRIPTS[slug],
            sizes=clip_sizes,
        )

    bar.advance(2 * (len(demo_data.LESSONS) - len(missing)), note="lessons")
    pool = ThreadPoolExecutor(max_workers=2)
    try:
        for item, clip in zip(missing, pool.map(generate, missing), strict=True):
            slug, title = item[0], item[1]
            bar.advance(note=f"{title[:12]} (drawn and voiced)")
            asset = _demo_video(f"演示视频：{title}", clip, users["lecturer"])
            with transaction.atomic():
                lesson = MicroLessonPage.objects.get(pk=lessons[slug].pk)
                lesson.video = asset
                lesson.duration = lesson.duration or round(asset.duration or 0)
                _publish(lesson)
            bar.advance(note=f"{title[:12]} (transcoded)")
    finally:
        # on an error (or Ctrl-C) the clips not yet started are not drawn
        pool.shutdown(cancel_futures=True)
    demo_vr_video_attach(clip_sizes=clip_sizes, uploader=users["editor"])
    bar.advance(2, note="VR video")


def demo_vr_video_attach(*, clip_sizes: ClipSizes | None = None, uploader=None):
    """Give the VR courseware 「VR 重走中共三大会址」 its 360° room (equirectangular,
    narrated, subtitled), generated once and processed here; returns the page.
    Raises as ``demo_content_load``."""
    item = next(v for v in demo_data.VR_COURSEWARE if v["slug"] == "vr-third-congress")
    vr = VRCoursewarePage.objects.get(slug=item["slug"])
    if vr.video_id is None:
        clip = panorama_clip_ensure(
            walls=item["panorama"],
            narration=item["narration"],
            sizes=clip_sizes or demo_media.FULL_SIZE,
        )
        vr.video = _demo_video("演示全景视频：中共三大会址", clip, uploader)
        vr.duration = round(vr.video.duration or 0) or vr.duration
        _publish(vr)
    return vr


def _submission_ensure(user, lecturer) -> None:
    """A lecturer's lesson in the submissions area, submitted for the editors' review."""
    area = SectionPage.objects.get(slug="submissions")
    if MicroLessonPage.objects.filter(slug=demo_data.SUBMISSION["slug"]).exists():
        return
    lesson = MicroLessonPage(
        slug=demo_data.SUBMISSION["slug"],
        title=demo_data.SUBMISSION["title"],
        summary=demo_data.SUBMISSION["summary"],
        lecturer=lecturer,
        live=False,
        owner=user,
    )
    area.add_child(instance=lesson)
    lesson.save_revision(user=user)
    workflow: Workflow | None = lesson.get_workflow()
    if workflow is not None:
        workflow.start(lesson, user)
