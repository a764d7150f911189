"""Production readiness: the Dockerfile passes hadolint (no container engine runs
here, so the image itself is not built), every response carries the security
headers, files download as attachments. (``check --deploy`` with production settings:
tests/dangke/test_settings.py.)"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from wagtail.documents.models import Document

from tests.helpers import ROOT
from tests.services import in_ci


def hadolint() -> str:
    found = shutil.which("hadolint", path=str(Path(sys.executable).parent))
    if found is None:
        message = "hadolint not installed (pip install -r requirements-dev.txt)"
        if in_ci():
            pytest.fail(f"CI=true but {message}")
        pytest.skip(message)
    return found


def test_the_dockerfile_passes_hadolint():
    result = subprocess.run(
        [hadolint(), "--no-color", "--failure-threshold", "info", "Dockerfile"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_would_report_a_finding(tmp_path):
    """The test above can fail: a Dockerfile with a known fault is reported."""
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN cd /app && pip install x\n")
    result = subprocess.run(
        [hadolint(), "--no-color", str(bad)], capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "DL3007" in result.stdout  # the "latest" tag


SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


@pytest.mark.parametrize("url", ["/", "/login/", "/admin/login/", "/api/v3/pages/"])
def test_every_kind_of_page_carries_the_security_headers(client, db, url):
    response = client.get(url)
    assert response.status_code == 200
    for name, value in SECURITY_HEADERS.items():
        assert response[name] == value, (url, name)
    assert response["X-Frame-Options"] in ("DENY", "SAMEORIGIN")
    assert response["X-Request-ID"]
    assert "microphone=()" in response["Permissions-Policy"]
    assert "camera=(self)" in response["Permissions-Policy"]
    if url.startswith("/api/"):
        assert response["Content-Security-Policy"].startswith("default-src 'none'")


def test_production_adds_hsts_and_redirects_to_https(client, db, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31_536_000
    assert client.get("/login/").status_code == 301
    secure = client.get("/login/", secure=True)
    assert secure["Strict-Transport-Security"].startswith("max-age=31536000")
    # Probes answer over plain HTTP, whatever Host the orchestrator sends.
    settings.ALLOWED_HOSTS = ["dangke.example.org"]
    assert client.get("/healthz", HTTP_HOST="10.1.2.3:8000").status_code == 200


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("讲义.pdf", b"%PDF-1.4\n%%EOF\n"),
        ("notes.txt", b"<script>alert(1)</script>"),
    ],
)
def test_documents_download_as_attachments_with_nosniff(
    client_for, editor, name, content
):
    document = Document(title=name)
    document.file.save(name, ContentFile(content))
    document.save()
    # An editor may download any document (members: those of pages they may see).
    response = client_for(editor).get(document.url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_original_images_download_as_attachments(rf, settings):
    """The development server's view for /media/original_images/ (in production
    the web server or the object store serves media)."""
    from dangke.views import original_file_serve

    folder = settings.MEDIA_ROOT / "original_images"
    folder.mkdir(parents=True)
    (folder / "a.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"></svg>')
    request = rf.get("/media/original_images/a.svg")
    response = original_file_serve(request, "a.svg", document_root=folder)
    assert response.status_code == 200
    assert response["Content-Disposition"] == "attachment"
    assert response["X-Content-Type-Options"] == "nosniff"
