from django.conf import settings
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from certificates.views import verify_view
from cms.admin_urls import urlpatterns as cms_admin_urlpatterns
from dangke import views
from dangke.admin_scope import urlpatterns as admin_scope_urlpatterns
from dangke.admin_signin import LimitedLoginView, LimitedPasswordResetView
from dangke.api import api
from themes import signin

handler500 = "dangke.server_errors.handler500"

urlpatterns = [
    *cms_admin_urlpatterns,  # before Wagtail's admin: they narrow two of its views
    *admin_scope_urlpatterns,  # and its editing-session ping, to the admin's scope
    # Wagtail's sign-in and password reset with their limits (same URLs and names).
    path("admin/login/", LimitedLoginView.as_view(), name="wagtailadmin_login"),
    path(
        "admin/password_reset/",
        LimitedPasswordResetView.as_view(),
        name="wagtailadmin_password_reset",
    ),
    path("favicon.ico", views.favicon, name="favicon"),
    path("verify/<str:code>", verify_view, name="certificate_verify"),
    path("admin/", include(wagtailadmin_urls)),
    # Wagtail's form for a page's password, with the sign-in limits.
    path(
        "_util/authenticate_with_password/<int:page_view_restriction_id>/<int:page_id>/",
        signin.page_password_view,
        name="wagtailcore_authenticate_with_password",
    ),
    path("documents/", include(wagtaildocs_urls)),
    path("api/v3/", api.urls),
    path("", include("themes.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    # Only images are public files; video originals and renditions are served by
    # the media pipeline's authorised views, never straight from MEDIA_ROOT.
    urlpatterns += static(
        settings.MEDIA_URL + "images/", document_root=settings.MEDIA_ROOT / "images"
    )
    # Originals download as attachments (an uploaded SVG or HTML-looking file never
    # runs in our origin); pages show renditions from images/.
    urlpatterns += static(
        settings.MEDIA_URL + "original_images/",
        view=views.original_file_serve,
        document_root=settings.MEDIA_ROOT / "original_images",
    )

urlpatterns += [path("", include(wagtail_urls))]
