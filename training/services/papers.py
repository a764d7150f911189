"""结班材料: the papers a class files at 结班. The platform generates the timetable
(课程表, from the sessions) and the sign-in sheet (签到表, from attendance, leave
and 补签) as PDFs through ``dangke.pdf``; other papers are uploaded."""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from dangke.pdf import pdf_render
from learning.models import Attendance, TrainingClass
from learning.selectors.scoping import UserLike
from training import selectors
from training.errors import ClassClosed, TrainingError
from training.models import ClassPaper, PaperKind, SessionRequest
from training.services.enrolment import class_organiser_check

GENERATED = (PaperKind.TIMETABLE, PaperKind.SIGNIN)
PAPER_MAX_BYTES = 20 * 1024 * 1024


def timetable_pdf(*, training_class: TrainingClass) -> bytes:
    """The class's timetable (课程表) as a PDF. Raises ImproperlyConfigured (no
    font)."""
    sessions = training_class.sessions.select_related(
        "teaching_site", "lecturer"
    ).order_by("starts_at", "pk")
    return pdf_render(
        template_name="training/timetable_pdf.html",
        context={
            "training_class": training_class,
            "sessions": list(sessions),
            "hours": selectors.class_hours(training_class=training_class),
            "printed_at": timezone.localtime(),
        },
        title=f"{training_class.title} 课程表",
    )


def signin_pdf(*, training_class: TrainingClass) -> bytes:
    """The class's sign-in sheet (签到表): one row per participant, one column per
    session: √ checked in, 补 补签 approved, 假 leave approved, × absent. Raises
    ImproperlyConfigured (no font)."""
    sessions = list(training_class.sessions.order_by("starts_at", "pk"))
    members = selectors.class_participants(training_class=training_class)
    present = set(
        Attendance.objects.filter(session__training_class=training_class).values_list(
            "member_id", "session_id"
        )
    )
    approved = {
        (member_id, session_id): kind
        for member_id, session_id, kind in SessionRequest.objects.filter(
            session__training_class=training_class,
            status=SessionRequest.Status.APPROVED,
        ).values_list("member_id", "session_id", "kind")
    }
    rows = []
    for member in members:
        marks = []
        for session in sessions:
            kind = approved.get((member.pk, session.pk))
            if kind == SessionRequest.Kind.LATE_ENTRY:
                marks.append("补")
            elif (member.pk, session.pk) in present:
                marks.append("√")
            elif kind == SessionRequest.Kind.LEAVE:
                marks.append("假")
            else:
                marks.append("×")
        rows.append({"member": member, "marks": marks})
    return pdf_render(
        template_name="training/signin_pdf.html",
        context={
            "training_class": training_class,
            "sessions": sessions,
            "rows": rows,
            "printed_at": timezone.localtime(),
        },
        title=f"{training_class.title} 签到表",
        landscape=len(sessions) > 6,
    )


def paper_generate(
    *, user: UserLike, training_class: TrainingClass, kind: str
) -> ClassPaper:
    """Generate (again) the timetable or sign-in sheet from the records and attach
    it. Raises NotOrganiser, ClassClosed, TrainingError (a paper the platform does
    not generate) and ImproperlyConfigured (no PDF font)."""
    class_organiser_check(user=user, training_class=training_class)
    if training_class.closed_at is not None:
        raise ClassClosed(f"培训班“{training_class.title}”已结班，材料不能再更改")
    if kind not in GENERATED:
        raise TrainingError(
            f"平台只生成课程表（timetable）和签到表（signin），“{kind}”请上传",
            code="paper_not_generated",
        )
    content = (
        timetable_pdf(training_class=training_class)
        if kind == PaperKind.TIMETABLE
        else signin_pdf(training_class=training_class)
    )
    return _attach(user, training_class, kind, ContentFile(content), generated=True)


def paper_upload(
    *, user: UserLike, training_class: TrainingClass, kind: str, upload: UploadedFile
) -> ClassPaper:
    """Attach an uploaded PDF as the paper ``kind``. Raises NotOrganiser,
    ClassClosed and TrainingError (unknown kind, not a PDF, too large)."""
    class_organiser_check(user=user, training_class=training_class)
    if training_class.closed_at is not None:
        raise ClassClosed(f"培训班“{training_class.title}”已结班，材料不能再更改")
    if kind not in PaperKind.values:
        raise TrainingError(f"材料类型“{kind}”无效", code="invalid_paper")
    if upload.size > PAPER_MAX_BYTES:
        raise TrainingError("材料文件不能超过 20 MB", code="paper_too_large")
    head = upload.read(5)
    upload.seek(0)
    if head != b"%PDF-":
        raise TrainingError("材料须为 PDF 文件", code="paper_not_pdf")
    return _attach(user, training_class, kind, upload, generated=False)


def _attach(user, training_class, kind, content, *, generated: bool) -> ClassPaper:
    with transaction.atomic():
        paper = ClassPaper.objects.filter(
            training_class=training_class, kind=kind
        ).first() or ClassPaper(training_class=training_class, kind=kind)
        old = paper.file.name if paper.pk else None
        paper.generated = generated
        paper.attached_by = user if user.is_authenticated else None
        paper.file.save(f"{kind}.pdf", content, save=False)
        paper.save()
    if old and old != paper.file.name:
        paper.file.storage.delete(old)
    return paper
