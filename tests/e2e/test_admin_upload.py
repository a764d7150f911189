"""The admin's video upload form in a real Chromium: the file goes through the
platform's tus endpoint with tus-js-client (signed in by the admin session and its
CSRF token), a progress bar counts to 100 %, a PATCH broken off mid-way is retried
and resumed where the server says it stopped (HEAD), and the form then links the
VideoAsset the upload created."""

from __future__ import annotations

import hashlib

import pytest
from playwright.sync_api import expect

from media_pipeline.models import TusUpload, VideoAsset
from tests.e2e.conftest import axe_violations, screenshot, sign_in

pytestmark = pytest.mark.slow

ADD_URL = "/admin/snippets/media_pipeline/videoasset/add/"


def test_upload_shows_progress_survives_a_dropped_patch_and_links_the_asset(
    page, editor, clips, ffmpeg_binaries, monkeypatch
):
    queued: list[int] = []
    monkeypatch.setattr(
        "media_pipeline.tasks.video_asset_probe_task.delay",
        lambda pk: queued.append(pk),
    )
    path = clips.video(seconds=1.0)
    data = path.read_bytes()
    chunk = len(data) // 4 + 1

    methods: list[str] = []
    patches = {"seen": 0}

    def drop_the_second_patch(route, request):
        if request.method == "PATCH":
            patches["seen"] += 1
            if patches["seen"] == 2:
                route.abort("connectionreset")
                return
        route.continue_()

    page.on(
        "request",
        lambda request: (
            methods.append(request.method) if "/media/uploads/" in request.url else None
        ),
    )
    page.route("**/api/v3/media/uploads/**", drop_the_second_patch)

    sign_in(page, "editor")
    page.goto(f"{page.base}{ADD_URL}")
    file_input = page.locator("input[type=file][data-tus-endpoint]")
    # Four chunks of this small clip (the form's default is 8 MiB).
    file_input.evaluate(f"(input) => {{ input.dataset.chunkSize = '{chunk}'; }}")
    page.fill("input[name=title]", "断点续传的党课")
    file_input.set_input_files(str(path))
    page.locator(
        "form:has([data-tus-endpoint]) footer button[type=submit]"
    ).first.click()

    status = page.locator("[data-upload-status]")
    expect(status).to_contain_text("上传完成 100%", timeout=30_000)
    assert page.locator("[data-upload-bar]").evaluate("(bar) => bar.value") == 100
    asset = VideoAsset.objects.get(title="断点续传的党课")
    link = status.locator("a")
    expect(link).to_have_attribute(
        "href", f"/admin/snippets/media_pipeline/videoasset/edit/{asset.pk}/"
    )
    assert asset.uploaded_by == editor
    assert asset.checksum == hashlib.sha256(data).hexdigest()
    assert asset.size == len(data) and queued == [asset.pk]
    upload = TusUpload.objects.get()
    assert upload.asset_id == asset.pk and upload.offset == len(data)
    # The dropped PATCH was retried after asking the server where to resume.
    assert patches["seen"] >= 5, methods
    dropped = [i for i, m in enumerate(methods) if m == "PATCH"][1]
    assert "HEAD" in methods[dropped:], methods
    # Saving again would store the file twice: the form is done.
    assert file_input.is_disabled()
    assert axe_violations(page) == []
    screenshot(page, "admin-upload")
    assert [p for p in page.problems if "ERR_CONNECTION_RESET" not in p] == []

    follow_url = link.get_attribute("href")
    page.goto(f"{page.base}{follow_url}")
    expect(page.locator("body")).to_contain_text("断点续传的党课")


def test_an_upload_broken_off_resumes_after_a_reload(
    page, editor, clips, ffmpeg_binaries, monkeypatch
):
    """The connection goes for longer than the retries: after a reload, the same
    file chosen again goes on from where the server has it (the client found its
    upload by the fingerprint it kept in localStorage): one upload, not two."""
    monkeypatch.setattr(
        "media_pipeline.tasks.video_asset_probe_task.delay", lambda pk: None
    )
    path = clips.video(seconds=1.0)
    data = path.read_bytes()
    chunk = len(data) // 3 + 1
    state = {"patches": 0, "cut": True}
    methods: list[str] = []

    def cut_after_the_first_chunk(route, request):
        methods.append(request.method)
        if request.method == "PATCH":
            state["patches"] += 1
            if state["cut"] and state["patches"] > 1:
                route.abort("internetdisconnected")
                return
        route.continue_()

    page.route("**/api/v3/media/uploads/**", cut_after_the_first_chunk)
    sign_in(page, "editor")

    def choose_and_save():
        page.goto(f"{page.base}{ADD_URL}")
        file_input = page.locator("input[type=file][data-tus-endpoint]")
        file_input.evaluate(f"(input) => {{ input.dataset.chunkSize = '{chunk}'; }}")
        page.fill("input[name=title]", "换个网络接着传")
        file_input.set_input_files(str(path))
        page.locator(
            "form:has([data-tus-endpoint]) footer button[type=submit]"
        ).first.click()

    choose_and_save()
    for _ in range(150):  # the first chunk has arrived; the next ones are cut off
        if TusUpload.objects.filter(offset=chunk).exists():
            break
        page.wait_for_timeout(100)
    assert TusUpload.objects.get().offset == chunk

    state["cut"] = False
    choose_and_save()  # a fresh page: the upload is found again, not started anew
    expect(page.locator("[data-upload-status]")).to_contain_text(
        "上传完成 100%", timeout=30_000
    )
    assert methods.count("POST") == 1, methods
    upload = TusUpload.objects.get()
    asset = VideoAsset.objects.get(title="换个网络接着传")
    assert upload.asset_id == asset.pk
    assert asset.checksum == hashlib.sha256(data).hexdigest()
