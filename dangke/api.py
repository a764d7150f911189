"""One NinjaAPI for every client: Wagtail's API v3 plus the project's routers.

Wagtail's ``api`` instance is a module-level singleton; the project's routers are added
to it here, before ``api.urls`` is first read by ``dangke.urls``, so clients see one
API and one OpenAPI document at ``/api/v3/openapi.json``, and one error shape
(``dangke.api_errors``).
"""

from wagtail.api.v3.api import api

from assessment.api import router as assessment_router
from broadcasts.api import router as broadcasts_router
from certificates.api import router as certificates_router
from cms.api import router as cms_router
from cms.api_pages import pages_queryset_for_request
from competitions.api import router as competitions_router
from dangke.api_errors import register_error_handlers
from dangke.api_requests import request_checks_install
from dangke.compat import api_routers_unmount, wagtail_pages_queryset_replace
from feedback.api import router as feedback_router
from figures.api import router as figures_router
from learning.api import router as learning_router
from lectures.api import router as lectures_router
from media_pipeline.api import router as media_router
from meetings.api import router as meetings_router
from notices.api import router as notices_router
from reflections.api import router as reflections_router
from search.api import router as search_router
from training.api import router as training_router
from viewing.api import router as viewing_router

api.title = "dangke API"
api.description = (
    "党课 dangke: published content (Wagtail pages), lecturers, media, learning and "
    "search. Anonymous clients see live, public content; send "
    "`Authorization: Bearer <token>` for member and editor endpoints. Every error is "
    "a problem document (`application/problem+json`) with `status`, `detail` (what "
    "is wrong) and `code` (machine-readable)."
)
# Wagtail's document, image and redirect routers list every file and redirect to
# anonymous callers, whatever page uses them; a restricted lesson's courseware would
# leak. Files reach clients only through the pages that use them (a lesson's
# courseware, a cover rendition), so those routers are not part of dangke's API.
api_routers_unmount(api, {"/documents/", "/images/", "/redirects/"})
wagtail_pages_queryset_replace(pages_queryset_for_request)

api.add_router("/lecturers/", cms_router)
api.add_router("/media/", media_router)
api.add_router("/learning/", learning_router)
api.add_router("/search/", search_router)
api.add_router("/assessment/", assessment_router)
api.add_router("/meetings/", meetings_router)
api.add_router("/notices/", notices_router)
api.add_router("/certificates/", certificates_router)
api.add_router("/figures/", figures_router)
api.add_router("/training/", training_router)
api.add_router("/feedback/", feedback_router)
api.add_router("/lectures/", lectures_router)
api.add_router("/competitions/", competitions_router)
api.add_router("/broadcasts/", broadcasts_router)
api.add_router("/viewing/", viewing_router)
api.add_router("/reflections/", reflections_router)

register_error_handlers(api)
# Permission before body, JSON bodies of the declared shape; no unreachable operation.
request_checks_install(api)
