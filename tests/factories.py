"""Small builders for test data (users, pages, media, organisations and members);
each returns a saved object."""

from __future__ import annotations

import itertools
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile

from media_pipeline.clips import clip_generate

_counter = itertools.count(1)


def user(
    username: str, *, groups: list[str] = (), password: str = "pass-12345", **extra
):
    User = get_user_model()
    account = User.objects.create_user(
        username=username, password=password, email=f"{username}@example.org", **extra
    )
    for name in groups:
        account.groups.add(Group.objects.get(name=name))
    return account


def section(home, *, title: str, slug: str):
    from cms.models import SectionPage

    page = SectionPage(title=title, slug=slug)
    home.add_child(instance=page)
    return page


def lecturer(*, name: str = "张老师", user=None, **extra):
    from cms.models import Lecturer

    return Lecturer.objects.create(name=name, user=user, **extra)


def video_asset(
    *, title: str = "素材", status: str = "uploaded", content: bytes = b"x", **extra
):
    from media_pipeline.models import VideoAsset

    asset = VideoAsset(title=title, status=status, size=len(content), **extra)
    asset.file.save("original", ContentFile(content), save=False)
    asset.save()
    return asset


def lesson(parent, *, title: str | None = None, live: bool = True, **fields):
    from cms.models import MicroLessonPage

    number = next(_counter)
    page = MicroLessonPage(
        title=title or f"微党课 {number}", slug=f"lesson-{number}", live=live, **fields
    )
    parent.add_child(instance=page)
    if live:
        page.save_revision().publish()
    return page


def course(
    parent, *, title: str | None = None, lessons=(), live: bool = True, **fields
):
    from cms.models import CourseLesson, CoursePage

    number = next(_counter)
    page = CoursePage(
        title=title or f"课程 {number}", slug=f"course-{number}", live=live, **fields
    )
    page.course_lessons = [
        CourseLesson(lesson=item, sort_order=index)
        for index, item in enumerate(lessons)
    ]
    parent.add_child(instance=page)
    if live:
        page.save_revision().publish()
    return page


def teaching_site(parent, title, lat, lng, *, live=True, **fields):
    """A 现场教学点 at WGS-84 ``lat``/``lng`` under ``parent``, published when
    ``live``."""
    from cms.models import TeachingSitePage

    page = TeachingSitePage(
        title=title,
        slug=f"site-{TeachingSitePage.objects.count() + 1}",
        address=fields.pop("address", f"广州市越秀区{title}路1号"),
        latitude=lat,
        longitude=lng,
        live=live,
        **fields,
    )
    parent.add_child(instance=page)
    if live:
        page.save_revision().publish()
    return page


def organisation(
    *, parent=None, kind: str = "branch", name: str | None = None, code=None
):
    from learning.models import Organisation

    number = next(_counter)
    return Organisation.objects.create(
        code=code or f"ORG{number:04d}",
        name=name or f"组织 {number}",
        kind=kind,
        parent=parent,
    )


_user = user  # ``member`` takes an argument named ``user``


def member(
    *,
    organisation,
    member_type: str = "regular",
    username: str | None = None,
    user=None,
):
    from learning.models import Member

    if user is None:
        user = _user(username or f"m{next(_counter)}", groups=["党员"])
    return Member.objects.create(
        user=user,
        name=user.username,
        organisation=organisation,
        member_type=member_type,
    )


def org_admin(*, organisation, username: str):
    from learning.models import OrganisationAdministrator

    account = user(username, groups=["组织管理员"])
    OrganisationAdministrator.objects.create(user=account, organisation=organisation)
    return account


def make_clip(
    path: Path, *, seconds: float = 1.0, size: str = "160x120", audio: bool = True
) -> Path:
    """Write a tiny real MP4 (test pattern, optionally with a tone) with ffmpeg."""
    return clip_generate(
        path,
        seconds=seconds,
        size=size,
        pattern="testsrc",
        audio=audio,
        preset="ultrafast",
        timeout=60,
    )
