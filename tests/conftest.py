"""Shared fixtures: users in each role, the page tree, API clients, servers."""

from __future__ import annotations

import shutil
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone
from wagtail.models import APIToken, Page

from tests import factories
from tests.services import in_ci, redis_problem, redis_url_for_tests


def pytest_collection_modifyitems(items):
    """Give every test that commits (``transaction=True``, ``transactional_db``,
    ``live_server``) a serialized rollback.

    Such tests end by emptying the tables; without the rollback, the rows the data
    migrations made (home page, groups, workflow) would be gone for the next one, and
    mixing serialized and plain transactional tests breaks the restore.
    """
    for item in items:
        marker = item.get_closest_marker("django_db")
        commits = bool(marker and marker.kwargs.get("transaction")) or any(
            name in item.fixturenames for name in ("transactional_db", "live_server")
        )
        if commits:
            kwargs = {**(marker.kwargs if marker else {})}
            kwargs.update(transaction=True, serialized_rollback=True)
            item.add_marker(pytest.mark.django_db(**kwargs), append=False)


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Each test writes files to its own folder, never to var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_WORK_DIR = tmp_path / "transcode"
    settings.MEDIA_UPLOAD_DIR = tmp_path / "uploads"
    settings.BROADCASTS_HLS_DIR = tmp_path / "live-hls"
    settings.BROADCASTS_RECORD_DIR = tmp_path / "live-recordings"


@pytest.fixture
def small_ladder(settings):
    """Two tiny rungs encoded at x264's fastest preset: real transcodes, quickly."""
    settings.MEDIA_LADDER = [(120, 150), (180, 300)]
    settings.MEDIA_X264_PRESET = "ultrafast"


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters and cached facts (the shared cache, and every
    per-process cache: lessons, members, tokens, attempt sheets, synonyms, the
    spelling vocabulary) never leak between tests: ids are reused once a test's
    rows are rolled back."""
    from django.core.cache import cache

    from dangke.cache import process_caches_forget_all

    def forget():
        process_caches_forget_all()
        cache.clear()

    forget()
    yield
    forget()


@pytest.fixture(autouse=True)
def _celery_eager():
    """Tasks run inline unless a test starts a real worker (and turns this off)."""
    from dangke.celery import app

    previous = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield app
    app.conf.task_always_eager, app.conf.task_eager_propagates = previous


@pytest.fixture
def clock(monkeypatch):
    """Server time (``django.utils.timezone.now``) frozen, and moved forward only
    when the test says: ``clock(30)`` advances 30 s and returns the new time,
    ``clock.now()`` reads it."""
    state = {"now": timezone.now()}
    monkeypatch.setattr(timezone, "now", lambda: state["now"])

    def advance(seconds: float = 0):
        state["now"] += timedelta(seconds=seconds)
        return state["now"]

    advance.now = lambda: state["now"]
    return advance


@pytest.fixture
def home_page(db):
    from cms.models import HomePage

    return HomePage.objects.get(depth=2)


@pytest.fixture
def submissions_area(db):
    from cms.models import SectionPage

    return SectionPage.objects.get(slug="submissions")


@pytest.fixture
def section(home_page):
    return factories.section(home_page, title="微党课", slug="lessons")


@pytest.fixture
def editor(db):
    return factories.user("editor", groups=["编辑"])


@pytest.fixture
def lecturer_user(db):
    return factories.user("lecturer", groups=["讲师"])


@pytest.fixture
def member_user(db):
    return factories.user("member", groups=["党员"])


@pytest.fixture
def tree(db):
    """district → 2 sub-districts → a community each → a branch each."""
    district = factories.organisation(kind="district", name="越秀区", code="D")
    result = {"district": district}
    for n in (1, 2):
        sub = factories.organisation(parent=district, kind="subdistrict", code=f"S{n}")
        community = factories.organisation(parent=sub, kind="community", code=f"C{n}")
        branch = factories.organisation(parent=community, kind="branch", code=f"B{n}")
        result.update(
            {f"sub{n}": sub, f"community{n}": community, f"branch{n}": branch}
        )
    return result


@pytest.fixture
def member(tree, member_user):
    """The ``member`` account as a 党员 of the first branch."""
    return factories.member(organisation=tree["branch1"], user=member_user)


@pytest.fixture
def client_for():
    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def token_for():
    """Return a bearer token string for ``user``."""

    def make(user) -> str:
        _, key = APIToken.create_token(user=user, name="test")
        return key

    return make


@pytest.fixture
def redis_url():
    problem = redis_problem()
    if problem:
        if in_ci():
            pytest.fail(f"CI=true but {problem}")
        pytest.skip(problem)
    return redis_url_for_tests()


@pytest.fixture
def ffmpeg_binaries():
    missing = [name for name in ("ffmpeg", "ffprobe") if shutil.which(name) is None]
    if missing:
        message = f"{', '.join(missing)} not installed (make setup installs ffmpeg)"
        if in_ci():
            pytest.fail(f"CI=true but {message}")
        pytest.skip(message)


__all__ = ["Group", "Page"]
