"""Refusals of certificates: a ``detail`` for a person, a ``code`` for a program,
no HTTP (``dangke.api_errors`` maps the kinds)."""

from __future__ import annotations

from dangke.errors import Conflict, DomainError, NotFound, NotPermitted, RateLimited


class CertificateError(DomainError):
    """Base of every refusal raised by certificates."""

    code = "invalid"


class CertificateNotFound(CertificateError, NotFound):
    """No such certificate, or not for this caller (a forged verify code too)."""

    code = "certificate_not_found"


class ClassNotFound(CertificateError, NotFound):
    """No such training class, or not one this caller organises."""

    code = "class_not_found"


class NotOrganiser(CertificateError, NotPermitted):
    """Only an administrator of the issuing organisation (or above) may do this."""

    code = "not_organiser"


class ReasonRequired(CertificateError):
    """A revocation without a reason."""

    code = "reason_required"


class AlreadyRevoked(CertificateError, Conflict):
    """The certificate is revoked already."""

    code = "already_revoked"


class NoCompleters(CertificateError, Conflict):
    """A class with nobody recorded as completed (not closed yet)."""

    code = "no_completers"


class BatchBusy(CertificateError, Conflict):
    """Another run is issuing this batch right now."""

    code = "certificate_batch_busy"

    def __init__(self, detail: str, *, retry_after: int):
        super().__init__(detail)
        self.retry_after = retry_after


class VerifyRateLimited(CertificateError, RateLimited):
    """Too many verify requests from one address in a minute."""

    code = "verify_rate_limited"
