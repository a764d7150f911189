from django.conf import settings
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from dangke import views
from dangke.api import api

handler500 = "dangke.server_errors.handler500"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("admin/", include(wagtailadmin_urls)),
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
    urlpatterns += static(
        settings.MEDIA_URL + "original_images/",
        document_root=settings.MEDIA_ROOT / "original_images",
    )

urlpatterns += [path("", include(wagtail_urls))]
