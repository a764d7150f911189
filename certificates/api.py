"""Certificates API: a member's own 结业证书 (list, PDF), the public verify answer,
and for organisers issuing a class's certificates (a batch with its progress) and
revoking one.

Thin: who may do what is decided in ``certificates.services`` and
``certificates.selectors``; refusals are answered as problem documents by
``dangke.api_errors``.
"""

from __future__ import annotations

from django.http import FileResponse, HttpRequest
from ninja import Router, Status
from ninja.security import django_auth

from certificates import selectors, services
from certificates.models import Certificate, CertificateBatch
from certificates.schemas import (
    BatchOut,
    CertificateOut,
    RevokedOut,
    RevokeIn,
    VerifyOut,
)
from dangke.api_errors import error_responses
from dangke.pdf import PDF_TYPE
from dangke.tokens import TokenAuth

router = Router(tags=["certificates"], auth=[TokenAuth(), django_auth])


def certificate_out(certificate: Certificate) -> dict:
    """A certificate as ``CertificateOut`` (also used by the portal)."""
    return {
        "id": certificate.pk,
        "number": certificate.number,
        "class_title": certificate.class_title,
        "issuer_name": certificate.issuer_name,
        "starts_on": certificate.starts_on,
        "ends_on": certificate.ends_on,
        "hours": services.hours_text(certificate.hours),
        "issued_at": certificate.issued_at,
        "revoked_at": certificate.revoked_at,
        "verify_url": services.certificate_verify_url(code=certificate.code),
        "file_url": f"/api/v3/certificates/mine/{certificate.pk}/file",
    }


def batch_out(batch: CertificateBatch) -> dict:
    return {
        "id": batch.pk,
        "training_class": batch.training_class_id,
        "status": batch.status,
        "status_label": batch.get_status_display(),
        "progress": batch.progress,
        "total": batch.total,
        "issued_count": batch.issued_count,
        "existing_count": batch.existing_count,
        "detail": batch.detail,
    }


@router.get(
    "/mine",
    response={200: list[CertificateOut], **error_responses(401)},
    operation_id="certificates_mine_list",
    summary="My 结业证书",
    description="The caller's own certificates, newest first (none for an account "
    "that is not a member).",
)
def mine_list(request: HttpRequest):
    return [
        certificate_out(c) for c in selectors.certificates_of_user(user=request.user)
    ]


@router.get(
    "/mine/{certificate_id}/file",
    response={200: None, **error_responses(401, 404)},
    operation_id="certificates_mine_file",
    summary="Download one of my certificates (PDF)",
    description="Only the member's own certificate; anyone else's is 404.",
)
def mine_file(request: HttpRequest, certificate_id: int):
    certificate = selectors.certificate_of_user(
        user=request.user, certificate_id=certificate_id
    )
    return FileResponse(
        certificate.file.open("rb"),
        content_type=PDF_TYPE,
        as_attachment=True,
        filename=f"certificate-{certificate.number}.pdf",
    )


@router.get(
    "/verify/{code}",
    auth=None,
    response={200: VerifyOut, **error_responses(404, 429)},
    operation_id="certificates_verify",
    summary="Verify a certificate by the code on its QR",
    description="Public. Says 有效 or 已撤销 (with the day) and shows the masked "
    "name, the class, its dates and the issuer, nothing else. A code that "
    "matches no certificate is 404; one address gets "
    "`CERTIFICATE_VERIFY_PER_MINUTE` answers a minute (page and API together), "
    "then 429.",
)
def verify(request: HttpRequest, code: str):
    services.verify_rate_check(address=request.META.get("REMOTE_ADDR", ""))
    v = selectors.certificate_verify(code=code)
    return {
        "valid": v.valid,
        "status": v.status_label,
        "name": v.masked_name,
        "class_title": v.class_title,
        "starts_on": v.starts_on,
        "ends_on": v.ends_on,
        "issuer_name": v.issuer_name,
        "issued_on": v.issued_on,
        "revoked_on": v.revoked_on,
    }


@router.post(
    "/{certificate_id}/revoke",
    response={200: RevokedOut, **error_responses(400, 401, 403, 404, 409)},
    operation_id="certificates_revoke",
    summary="Revoke a certificate, with a reason",
    description="For administrators of the issuing organisation or above. The "
    "reason goes to the audit log; the verify page then says 已撤销 and the day, "
    "not the reason.",
)
def revoke(request: HttpRequest, certificate_id: int, payload: RevokeIn):
    certificate = selectors.certificate_for_organiser(
        user=request.user, certificate_id=certificate_id
    )
    certificate = services.certificate_revoke(
        certificate=certificate,
        user=request.user,
        reason=payload.reason,
        channel="api",
    )
    return {
        "id": certificate.pk,
        "number": certificate.number,
        "revoked_at": certificate.revoked_at,
    }


@router.post(
    "/classes/{class_id}/issue",
    response={202: BatchOut, **error_responses(401, 403, 404, 409)},
    operation_id="certificates_class_issue",
    summary="Issue a closed class's certificates (in the worker)",
    description="For administrators of the class's organisation or above. Issues "
    "one certificate to each member recorded as completing the class who has none "
    "yet; follow the batch's progress with `certificates_batch_detail`. Closing a "
    "class issues them already; this completes a batch that failed.",
)
def class_issue(request: HttpRequest, class_id: int):
    training_class = selectors.class_for_organiser(user=request.user, class_id=class_id)
    batch = services.class_issue_start(user=request.user, training_class=training_class)
    batch.refresh_from_db()
    return Status(202, batch_out(batch))


@router.get(
    "/batches/{batch_id}",
    response={200: BatchOut, **error_responses(401, 404)},
    operation_id="certificates_batch_detail",
    summary="A certificate batch's progress",
)
def batch_detail(request: HttpRequest, batch_id: int):
    return batch_out(
        selectors.batch_for_organiser(user=request.user, batch_id=batch_id)
    )
