"""One NinjaAPI for every client: Wagtail's API v3 plus the project's routers.

Wagtail's ``api`` instance is a module-level singleton; the project's routers are added
to it here, before ``api.urls`` is first read by ``dangke.urls``, so clients see one
API and one OpenAPI document at ``/api/v3/openapi.json``.
"""

from wagtail.api.v3.api import api

from cms import api_pages
from cms.api import router as cms_router
from dangke.api_errors import register_error_handlers
from learning.api import router as learning_router
from media_pipeline.api import router as media_router
from search.api import router as search_router

api.title = "dangke API"
api.description = (
    "党课 dangke: published content (Wagtail pages), lecturers, media, learning and "
    "search. Anonymous clients see live, public content; send "
    "`Authorization: Bearer <token>` for member and editor endpoints. Errors are "
    "problem documents with `detail` (what is wrong) and `code` (machine-readable)."
)
# Wagtail's document, image and redirect routers list every file and redirect to
# anonymous callers, whatever page uses them; a restricted lesson's courseware would
# leak. Files reach clients only through the pages that use them (a lesson's
# courseware, a cover rendition), so those routers are not part of dangke's API.
NOT_PUBLISHED = {"/documents/", "/images/", "/redirects/"}
api._router_registrations = [
    registration
    for registration in api._router_registrations
    if registration[0] not in NOT_PUBLISHED
]
api._routers = [
    (prefix, r) for prefix, r in api._routers if prefix not in NOT_PUBLISHED
]

api_pages.install()

api.add_router("/lecturers/", cms_router)
api.add_router("/media/", media_router)
api.add_router("/learning/", learning_router)
api.add_router("/search/", search_router)

# Last: wraps every handler registered so far, including the routers' own.
register_error_handlers(api)
