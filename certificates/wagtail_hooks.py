"""Admin: 结业证书 (classes to issue, certificates, batches, revoking) and each
organisation's 发证单位设置, for organisers of their own subtrees."""

from __future__ import annotations

from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from certificates import admin_views
from learning import selectors as learning_selectors


@hooks.register("register_admin_urls")
def register_certificate_urls():
    return [
        path(
            "certificates/",
            admin_views.certificate_list_view,
            name="certificates_admin",
        ),
        path(
            "certificates/classes/<int:class_id>/issue/",
            admin_views.class_issue_view,
            name="certificates_admin_issue",
        ),
        path(
            "certificates/batches/<int:batch_id>/",
            admin_views.batch_view,
            name="certificates_admin_batch",
        ),
        path(
            "certificates/<int:certificate_id>/revoke/",
            admin_views.revoke_view,
            name="certificates_admin_revoke",
        ),
        path(
            "certificates/issuers/<str:code>/",
            admin_views.issuer_view,
            name="certificates_admin_issuer",
        ),
    ]


class OrganiserMenuItem(MenuItem):
    def is_shown(self, request):
        return learning_selectors.organisations_administered(user=request.user).exists()


@hooks.register("register_admin_menu_item")
def register_certificate_menu_item():
    return OrganiserMenuItem(
        "结业证书", reverse("certificates_admin"), icon_name="doc-full", order=262
    )
