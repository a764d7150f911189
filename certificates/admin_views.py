"""Admin pages of certificates, for organisers (administrators of the issuing
organisation or above, and editors): the certificates of their subtrees with the
classes that have completers (issue or complete a class's certificates), a batch's
progress, revoking with a reason, and an organisation's 发证单位设置 (name and seal).
Each view checks its rule through ``certificates.services.user_organises``."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST
from wagtail.images.widgets import AdminImageChooser

from certificates import selectors, services
from certificates.errors import CertificateError
from certificates.models import Certificate, CertificateBatch, IssuerProfile
from dangke.errors import DomainError
from learning import selectors as learning_selectors
from learning.models import Organisation, TrainingClass

PER_PAGE = 50


def _require_organiser(request: HttpRequest) -> None:
    if not learning_selectors.organisations_administered(user=request.user).exists():
        raise PermissionDenied


def certificate_list_view(request: HttpRequest) -> HttpResponse:
    """结业证书: the classes with completers in the user's subtrees (with how many
    hold a certificate) and the certificates, newest first, filterable by class."""
    _require_organiser(request)
    user = request.user
    classes = (
        TrainingClass.objects.filter(
            learning_selectors.organisation_scope_q(user=user, prefix="organisation__")
        )
        .filter(completions__isnull=False)
        .annotate(
            completers=Count("completions", distinct=True),
            holders=Count("certificates", distinct=True),
        )
        .select_related("organisation")
        .order_by("-pk")[:50]
    )
    certificates = Certificate.objects.filter(
        learning_selectors.organisation_scope_q(user=user, prefix="issuer__")
    ).order_by("-issued_at", "-pk")
    chosen = request.GET.get("class", "")
    if chosen.isdigit():
        certificates = certificates.filter(training_class_id=int(chosen))
    query = request.GET.get("q", "").strip()
    if query:
        certificates = certificates.filter(
            Q(number__icontains=query) | Q(member_name__icontains=query)
        )
    page = Paginator(certificates, PER_PAGE).get_page(request.GET.get("p"))
    batches = CertificateBatch.objects.filter(
        learning_selectors.organisation_scope_q(
            user=user, prefix="training_class__organisation__"
        )
    ).select_related("training_class")[:10]
    return render(
        request,
        "certificates/admin/list.html",
        {
            "page_title": "结业证书",
            "classes": classes,
            "page": page,
            "batches": batches,
            "query": query,
            "chosen": chosen,
        },
    )


@require_POST
def class_issue_view(request: HttpRequest, class_id: int) -> HttpResponse:
    """Issue (or complete) a class's certificates, then its batch's progress."""
    try:
        training_class = selectors.class_for_organiser(
            user=request.user, class_id=class_id
        )
        batch = services.class_issue_start(
            user=request.user, training_class=training_class
        )
    except CertificateError as error:
        if error.code == "class_not_found":
            raise PermissionDenied from error
        messages.error(request, error.detail)
        return redirect("certificates_admin")
    return redirect("certificates_admin_batch", batch_id=batch.pk)


def batch_view(request: HttpRequest, batch_id: int) -> HttpResponse:
    """A batch's progress; the page reloads itself until the batch has finished."""
    try:
        batch = selectors.batch_for_organiser(user=request.user, batch_id=batch_id)
    except CertificateError as error:
        raise PermissionDenied from error
    return render(
        request,
        "certificates/admin/batch.html",
        {"page_title": f"批量发证：{batch.training_class.title}", "batch": batch},
    )


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label="撤销原因",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="记入审计日志；验证页只显示“已撤销”和撤销日期，不显示原因",
    )


def revoke_view(request: HttpRequest, certificate_id: int) -> HttpResponse:
    """Revoke a certificate with a reason (audited)."""
    try:
        certificate = selectors.certificate_for_organiser(
            user=request.user, certificate_id=certificate_id
        )
    except CertificateError as error:
        raise PermissionDenied from error
    form = RevokeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.certificate_revoke(
                certificate=certificate,
                user=request.user,
                reason=form.cleaned_data["reason"],
                channel="admin",
            )
        except DomainError as error:
            form.add_error(None, error.detail)
        else:
            messages.success(request, f"证书 {certificate.number} 已撤销")
            return redirect("certificates_admin")
    return render(
        request,
        "certificates/admin/revoke.html",
        {
            "page_title": f"撤销证书 {certificate.number}",
            "certificate": certificate,
            "form": form,
        },
    )


class IssuerForm(forms.ModelForm):
    class Meta:
        model = IssuerProfile
        fields = ["issuer_name", "seal"]
        widgets = {"seal": AdminImageChooser}


def issuer_view(request: HttpRequest, code: str) -> HttpResponse:
    """发证单位设置 of organisation ``code``: the issuer name and seal printed on its
    certificates."""
    organisation = get_object_or_404(Organisation, code=code)
    if not services.user_organises(user=request.user, organisation=organisation):
        raise PermissionDenied
    profile = IssuerProfile.objects.filter(organisation=organisation).first()
    form = IssuerForm(
        request.POST or None,
        instance=profile or IssuerProfile(organisation=organisation),
    )
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "发证单位设置已保存，之后发放的证书按新设置印制")
        return redirect("certificates_admin_issuer", code=organisation.code)
    return render(
        request,
        "certificates/admin/issuer.html",
        {
            "page_title": f"发证单位设置：{organisation.name}",
            "organisation": organisation,
            "form": form,
        },
    )
