"""Time to the first video frame of a lesson page on a slow phone network.

Builds a throwaway project state (SQLite and media under a temporary folder), a
member and a lesson with a real transcoded 720p clip, serves it with gunicorn
(DEBUG off, compressed static files) on a free loopback port, and drives Debian's
Chromium with Playwright under network throttling (1.6 Mbit/s down, 150 ms round
trip, cache off). It opens, signed in:

- ours: the portal's lesson page (player, heartbeats, theme);
- bare: an HTML page holding only a ``<video>`` of the same signed master playlist;

alternately, ``BENCH_ROUNDS`` times each, and measures the time from navigation to
the first presented video frame (``requestVideoFrameCallback``) and the bytes
received before it. It also weighs the JS and CSS (compressed, as sent) of a page
that needs neither hls.js nor the 360° viewer (a course page). Both are first visits:
the service worker is blocked (it would serve the portal's static files from its
cache) and the HTTP cache is off. Prints one JSON line last:

    {"bench":"portal","first_frame_ms":..,"bare_first_frame_ms":..,"ratio":ours/bare,
     "page_kb":..,"js_css_kb":..}

Environment: BENCH_ROUNDS (3), BENCH_CLIP_SECONDS (20), CHROMIUM_BINARY
(/usr/bin/chromium).
"""

from __future__ import annotations

import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import (  # noqa: E402 (after the path is set)
    gunicorn_start,
    gunicorn_wait,
    progress,
)

BARE_PATH = "/bench/bare-video"
DOWN_BYTES_PER_S = 1_600_000 / 8
UP_BYTES_PER_S = 750_000 / 8
LATENCY_MS = 150
PASSWORD = secrets.token_urlsafe(16)  # the throwaway bench member's

# Installed before any page script: start playback as soon as a <video> has a
# source (the same for both pages), and note when its first frame is presented.
FIRST_FRAME_PROBE = """
(() => {
  window.__firstFrame = null;
  const watch = (video) => {
    if (video.__watched) return;
    video.__watched = true;
    video.muted = true;
    const start = () => { if (video.paused) video.play().catch(() => {}); };
    for (const name of ["loadstart", "loadedmetadata", "canplay"]) {
      video.addEventListener(name, start);
    }
    const frame = () => {
      if (window.__firstFrame === null) window.__firstFrame = performance.now();
    };
    if (video.requestVideoFrameCallback) video.requestVideoFrameCallback(frame);
    else video.addEventListener("playing", frame, { once: true });
    start();
  };
  new MutationObserver(() => document.querySelectorAll("video").forEach(watch))
    .observe(document, { childList: true, subtree: true });
})();
"""


# --- served by gunicorn ---------------------------------------------------------

if os.environ.get("BENCH_PORTAL_SERVE") == "1":
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangke.settings")
    django.setup()
    from django.conf import settings
    from django.contrib.auth.decorators import login_required
    from django.core.wsgi import get_wsgi_application
    from django.http import HttpResponse
    from django.urls import path
    from django.utils.html import escape

    import dangke.urls
    from media_pipeline.models import VideoAsset
    from media_pipeline.selectors import video_asset_playback

    @login_required
    def bare_view(request):
        """The baseline: the same signed master in a lone <video>, nothing else."""
        asset = VideoAsset.objects.get(pk=int(request.GET["asset"]))
        master = video_asset_playback(asset=asset)["master_url"]
        return HttpResponse(
            "<!doctype html><title>bare</title>"
            f'<video src="{escape(master)}" controls playsinline></video>'
        )

    urlpatterns = [path(BARE_PATH.lstrip("/"), bare_view), *dangke.urls.urlpatterns]
    settings.ROOT_URLCONF = __name__
    application = get_wsgi_application()


# --- the benchmark --------------------------------------------------------------


def setup_data(clip_seconds: int) -> dict:
    """Runs in this process with Django configured for the throwaway state."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.files.base import File

    from cms.models import (
        CourseLesson,
        CoursePage,
        HomePage,
        MicroLessonPage,
        SectionPage,
    )
    from learning.models import Member, Organisation
    from media_pipeline.clips import clip_generate
    from media_pipeline.services import video_asset_create, video_asset_process

    with tempfile.TemporaryDirectory() as tmp:
        clip = clip_generate(
            Path(tmp) / "lesson.mp4",
            seconds=clip_seconds,
            size="1280x720",
            faststart=True,
            timeout=600,
        )
        with clip.open("rb") as handle:
            asset = video_asset_create(
                file=File(handle, name="lesson.mp4"), title="基准视频", uploaded_by=None
            )
    asset = video_asset_process(asset_id=asset.pk)
    if asset.published_version is None:
        raise RuntimeError(f"the bench clip did not transcode: {asset.error}")
    home = HomePage.objects.get(depth=2)
    section = SectionPage(title="基准", slug="bench")
    home.add_child(instance=section)
    section.save_revision().publish()
    lesson = MicroLessonPage(
        title="基准微党课", slug="bench-lesson", video=asset, duration=clip_seconds
    )
    section.add_child(instance=lesson)
    lesson.save_revision().publish()
    course = CoursePage(title="基准课程", slug="bench-course")
    course.course_lessons = [CourseLesson(lesson=lesson, sort_order=0)]
    section.add_child(instance=course)
    course.save_revision().publish()
    user = get_user_model().objects.create_user(username="bench", password=PASSWORD)
    user.groups.add(Group.objects.get(name="党员"))
    organisation = Organisation.objects.create(
        code="B1", name="基准支部", kind="branch"
    )
    Member.objects.create(user=user, name="基准党员", organisation=organisation)
    return {"asset": asset.pk, "lesson": lesson.url, "course": course.url}


class Meter:
    """One throttled, signed-in browser page with byte accounting over CDP."""

    def __init__(self, browser, base: str):
        # A first visit: no service worker yet (it would serve the static files
        # from its cache and hide their weight), the HTTP cache off.
        self.context = browser.new_context(
            viewport={"width": 375, "height": 812}, service_workers="block"
        )
        self.context.add_init_script(FIRST_FRAME_PROBE)
        self.page = self.context.new_page()
        self.base = base
        self.page.goto(f"{base}/login/")
        self.page.fill("#id_username", "bench")
        self.page.fill("#id_password", PASSWORD)
        self.page.click("form.signin button[type=submit]")
        self.page.wait_for_load_state()
        self.cdp = self.context.new_cdp_session(self.page)
        self.cdp.send("Network.enable")
        self.cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        self.cdp.send(
            "Network.emulateNetworkConditions",
            {
                "offline": False,
                "latency": LATENCY_MS,
                "downloadThroughput": DOWN_BYTES_PER_S,
                "uploadThroughput": UP_BYTES_PER_S,
            },
        )
        self.events: list[tuple[str, dict]] = []
        for name in (
            "Network.requestWillBeSent",
            "Network.responseReceived",
            "Network.dataReceived",
            "Network.loadingFinished",
        ):
            self.cdp.on(
                name, lambda params, name=name: self.events.append((name, params))
            )

    def first_frame(self, url: str) -> tuple[float, int]:
        """Milliseconds from navigation to the first frame, and bytes received
        before it."""
        self.events.clear()
        self.page.goto(self.base + url, wait_until="commit")
        # (polled from here: waiting inside the page would need eval, which the
        # portal's Content-Security-Policy rightly forbids)
        deadline = time.monotonic() + 120
        first_ms = None
        while first_ms is None:
            if time.monotonic() > deadline:
                raise RuntimeError(f"no video frame within 120 s on {url}")
            time.sleep(0.02)
            first_ms = self.page.evaluate("() => window.__firstFrame")
        self.page.evaluate("document.querySelectorAll('video').forEach(v => v.pause())")
        start = next(
            params["timestamp"]
            for name, params in self.events
            if name == "Network.requestWillBeSent" and params.get("type") == "Document"
        )
        received = sum(
            params.get("encodedDataLength", 0)
            for name, params in self.events
            if name == "Network.dataReceived"
            and (params["timestamp"] - start) * 1000 <= first_ms
        )
        return first_ms, received

    def script_and_style_bytes(self, url: str) -> int:
        """Compressed bytes of the scripts and stylesheets ``url`` loads."""
        self.events.clear()
        self.page.goto(self.base + url, wait_until="networkidle")
        kinds = {
            params["requestId"]: params.get("type")
            for name, params in self.events
            if name == "Network.responseReceived"
        }
        return sum(
            params.get("encodedDataLength", 0)
            for name, params in self.events
            if name == "Network.loadingFinished"
            and kinds.get(params["requestId"]) in ("Script", "Stylesheet")
        )

    def close(self) -> None:
        self.context.close()


def main() -> None:
    rounds = int(os.environ.get("BENCH_ROUNDS", "3"))
    clip_seconds = int(os.environ.get("BENCH_CLIP_SECONDS", "20"))
    chromium = os.environ.get("CHROMIUM_BINARY", "/usr/bin/chromium")
    if not Path(chromium).exists():
        sys.exit(f"{chromium} not installed (make test installs Debian's chromium)")
    total = 4 + 2 * rounds
    with tempfile.TemporaryDirectory(prefix="bench-portal-") as tmp:
        env = {
            **os.environ,
            "DANGKE_VAR_DIR": tmp,
            "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3",
            "MEDIA_ROOT": f"{tmp}/media",
            "STATIC_ROOT": f"{tmp}/static",
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(40),
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "0",
            "SECURE_HSTS_SECONDS": "0",
            "CELERY_TASK_ALWAYS_EAGER": "1",
            "LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "dangke.settings",
        }
        os.environ.update(env)
        progress("migrating, collecting static files", 0, total)
        for command in (
            ["migrate", "--noinput", "-v0"],
            ["collectstatic", "--noinput", "-v0"],
        ):
            subprocess.run(
                [sys.executable, "manage.py", *command],
                cwd=ROOT,
                env=env,
                check=True,
                timeout=900,
            )
        progress("transcoding the lesson clip", 1, total)
        sys.path.insert(0, str(ROOT))
        data = setup_data(clip_seconds)
        server, port = gunicorn_start(
            "bench.portal:application",
            env={**env, "BENCH_PORTAL_SERVE": "1"},
            workers=2,
            threads=4,
        )
        ours: list[float] = []
        bare: list[float] = []
        ours_bytes: list[int] = []
        try:
            gunicorn_wait(server, port, path="/login/", seconds=120)
            from playwright.sync_api import sync_playwright

            base = f"http://127.0.0.1:{port}"
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=chromium,
                    headless=True,
                    args=[
                        "--no-sandbox",
                        "--disable-gpu",
                        "--disable-background-networking",
                        "--disable-component-update",
                        "--disable-sync",
                        "--disable-quic",
                        "--no-first-run",
                        "--autoplay-policy=no-user-gesture-required",
                        "--mute-audio",
                    ],
                )
                meter = Meter(browser, base)
                progress("warming up", 2, total)
                meter.first_frame(data["lesson"])
                meter.first_frame(f"{BARE_PATH}?asset={data['asset']}")
                for turn in range(rounds):
                    progress(
                        f"round {turn + 1}/{rounds}: lesson page", 3 + 2 * turn, total
                    )
                    ms, size = meter.first_frame(data["lesson"])
                    ours.append(ms)
                    ours_bytes.append(size)
                    progress(
                        f"round {turn + 1}/{rounds}: bare page", 4 + 2 * turn, total
                    )
                    bare.append(
                        meter.first_frame(f"{BARE_PATH}?asset={data['asset']}")[0]
                    )
                js_css = meter.script_and_style_bytes(data["course"])
                meter.close()
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=30)
        progress("done", total, total)
    first_frame_ms = statistics.median(ours)
    bare_first_frame_ms = statistics.median(bare)
    print(
        json.dumps(
            {
                "bench": "portal",
                "first_frame_ms": round(first_frame_ms, 1),
                "bare_first_frame_ms": round(bare_first_frame_ms, 1),
                "ratio": round(first_frame_ms / bare_first_frame_ms, 3),
                "page_kb": round(statistics.median(ours_bytes) / 1024, 1),
                "js_css_kb": round(js_css / 1024, 1),
                "rounds": rounds,
                "down_kbit_s": DOWN_BYTES_PER_S * 8 / 1000,
                "rtt_ms": LATENCY_MS,
            }
        )
    )


if __name__ == "__main__":
    main()
