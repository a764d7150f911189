"""Issuing a class's certificates: one per completer, numbered per issuer and year,
stored as PDFs with the fields, Chinese fonts embedded and a QR of the verify page;
issuing again issues nothing new; revoking needs an organiser and a reason."""

from __future__ import annotations

import shutil
import subprocess
from io import BytesIO

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

pytestmark = pytest.mark.django_db

needs_poppler = pytest.mark.skipif(
    not shutil.which("pdftotext"), reason="poppler-utils (pdftotext) not installed"
)


def _pdf_text(path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def test_a_batch_issues_one_certificate_per_completer(
    training_class, completers, organiser, issue
):
    from certificates.models import Certificate, CertificateBatch

    batch = issue(training_class, organiser)

    assert batch.status == CertificateBatch.Status.DONE
    assert (batch.total, batch.issued_count, batch.progress) == (2, 2, 100)
    certificates = list(Certificate.objects.order_by("sequence"))
    year = timezone.localdate().year
    assert [c.number for c in certificates] == [f"S1-{year}-00001", f"S1-{year}-00002"]
    assert {c.member_id for c in certificates} == {m.pk for m in completers}
    assert all(c.file and c.file.size > 1000 for c in certificates)
    assert all(len(c.code) >= 22 and "/" not in c.code for c in certificates)
    assert len({c.code for c in certificates}) == 2
    first = certificates[0]
    assert (first.starts_on.isoformat(), first.ends_on.isoformat()) == (
        "2026-03-03",
        "2026-03-05",
    )
    assert first.issued_by == organiser


def test_issuing_again_issues_nothing_new(training_class, completers, issue):
    from certificates.models import Certificate

    issue(training_class)
    before = dict(Certificate.objects.values_list("member_id", "number"))
    again = issue(training_class)

    assert (again.issued_count, again.existing_count, again.total) == (0, 2, 2)
    assert dict(Certificate.objects.values_list("member_id", "number")) == before


def test_the_database_holds_one_certificate_per_member_and_class(
    training_class, completers, issue
):
    from certificates.models import Certificate

    issue(training_class)
    first = Certificate.objects.first()
    first.pk = None
    first.number, first.code, first.sequence = "X-1", "another-code-" + "a" * 20, 99
    with pytest.raises(IntegrityError), transaction.atomic():
        first.save()


def test_a_second_class_continues_the_issuers_numbers(
    tree, training_class, completers, issue
):
    from certificates.models import Certificate
    from learning.models import ClassCompletion, TrainingClass

    issue(training_class)
    second = TrainingClass.objects.create(title="第二期", organisation=tree["sub1"])
    ClassCompletion.objects.create(
        training_class=second,
        member=completers[0],
        hours=2,
        completed_at=timezone.now(),
    )
    issue(second)
    assert Certificate.objects.get(training_class=second).sequence == 3


@needs_poppler
def test_the_pdf_has_the_fields_and_embedded_chinese_fonts(
    training_class, completers, issue, tmp_path
):
    from certificates.models import Certificate

    issue(training_class)
    certificate = Certificate.objects.get(member=completers[0])
    path = tmp_path / "certificate.pdf"
    path.write_bytes(certificate.file.read())

    # Lines wrap where the layout decides: compare without white space.
    text = "".join(_pdf_text(path).split())
    for field in (
        "结业证书",
        certificate.number,
        "张三明",
        "2026年基层党组织书记示范培训班",
        "2026年3月3日",
        "2026年3月5日",
        "12.5学时",
        "组织",  # the issuing organisation's name (factories name them 组织 <n>)
    ):
        assert field in text, field
    assert "".join(training_class.organisation.name.split()) in text
    fonts = subprocess.run(
        ["pdffonts", str(path)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    assert fonts, "no fonts in the PDF"
    # name type encoding emb sub uni: every font embedded (a subset)
    assert all(" yes " in line.split("CID", 1)[-1] for line in fonts)
    assert any("Noto" in line or "CJK" in line for line in fonts)


def test_the_qr_on_the_pdf_opens_the_verify_page(
    training_class, completers, issue, tmp_path
):
    zxingcpp = pytest.importorskip("zxingcpp")
    from PIL import Image

    from certificates.models import Certificate

    if not shutil.which("pdfimages"):
        pytest.skip("poppler-utils (pdfimages) not installed")
    issue(training_class)
    certificate = Certificate.objects.get(member=completers[0])
    path = tmp_path / "certificate.pdf"
    path.write_bytes(certificate.file.read())
    subprocess.run(["pdfimages", "-png", str(path), str(tmp_path / "img")], check=True)
    texts = [
        result.text
        for image in sorted(tmp_path.glob("img-*.png"))
        for result in zxingcpp.read_barcodes(Image.open(image))
    ]
    from certificates.services import certificate_verify_url

    url = certificate_verify_url(code=certificate.code)
    assert url == f"https://127.0.0.1:8000/verify/{certificate.code}"
    assert texts == [url]


def test_the_seal_set_by_the_organisation_is_printed(
    training_class, completers, issue, tmp_path
):
    from django.core.files.images import ImageFile
    from PIL import Image as PILImage
    from wagtail.images.models import Image

    from certificates.models import Certificate, IssuerProfile

    if not shutil.which("pdfimages"):
        pytest.skip("poppler-utils (pdfimages) not installed")
    buffer = BytesIO()
    PILImage.new("RGB", (64, 64), (200, 0, 0)).save(buffer, format="PNG")
    seal = Image.objects.create(
        title="印章", file=ImageFile(BytesIO(buffer.getvalue()), name="seal.png")
    )
    IssuerProfile.objects.create(
        organisation=training_class.organisation,
        issuer_name="中共某街道工作委员会党校",
        seal=seal,
    )
    issue(training_class)
    certificate = Certificate.objects.get(member=completers[0])
    path = tmp_path / "certificate.pdf"
    path.write_bytes(certificate.file.read())
    listing = subprocess.run(
        ["pdfimages", "-list", str(path)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    assert len(listing) == 2  # the seal and the QR
    assert "中共某街道工作委员会党校" in "".join(_pdf_text(path).split())
    assert certificate.issuer_name == "中共某街道工作委员会党校"


def test_a_class_without_completers_issues_nothing(training_class, issue):
    from certificates.models import Certificate

    batch = issue(training_class)
    assert (batch.status, batch.total, Certificate.objects.count()) == ("done", 0, 0)


def test_the_names_are_masked():
    from certificates.services import mask_name

    assert mask_name("张三明") == "张*明"
    assert mask_name("欧阳明华") == "欧**华"
    assert mask_name("李四") == "李*"
    assert mask_name("王") == "*"


def test_revoking_needs_the_organiser_and_a_reason(
    training_class, completers, organiser, issue, tree
):
    from certificates.errors import AlreadyRevoked, NotOrganiser, ReasonRequired
    from certificates.models import Certificate
    from certificates.services import certificate_revoke
    from dangke.models import AuditEntry
    from tests import factories

    issue(training_class)
    certificate = Certificate.objects.get(member=completers[0])
    outsider = factories.org_admin(organisation=tree["sub2"], username="outsider")
    with pytest.raises(NotOrganiser):
        certificate_revoke(
            certificate=certificate, user=outsider, reason="x", channel="admin"
        )
    with pytest.raises(ReasonRequired):
        certificate_revoke(
            certificate=certificate, user=organiser, reason="  ", channel="admin"
        )
    certificate_revoke(
        certificate=certificate, user=organiser, reason="冒名参训", channel="admin"
    )
    certificate.refresh_from_db()
    assert certificate.revoked_reason == "冒名参训" and certificate.revoked_at
    entry = AuditEntry.objects.get(action="revoke")
    assert entry.scope["certificate"] == certificate.number
    assert entry.actor_name == "organiser"
    with pytest.raises(AlreadyRevoked):
        certificate_revoke(
            certificate=certificate, user=organiser, reason="再次", channel="admin"
        )
