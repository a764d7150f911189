"""The business rules of training plans and classes (writes); reads are in
``training.selectors``."""

from training.services.attendance import session_request_ask, session_request_decide
from training.services.closing import (
    ClosingResult,
    certificates_available,
    class_close,
)
from training.services.enrolment import (
    application_decide,
    class_apply,
    class_organiser_check,
    enrol_members,
    enrol_organisation,
)
from training.services.papers import (
    paper_generate,
    paper_upload,
    signin_pdf,
    timetable_pdf,
)
from training.services.plans import (
    LineDraft,
    organisation_find,
    plan_create,
    plan_decide,
    plan_delete,
    plan_revise,
    plan_submit,
    plan_update,
)
from training.services.sharing import (
    course_adopt,
    course_adoption_withdraw,
    course_share,
)

__all__ = [
    "ClosingResult",
    "LineDraft",
    "application_decide",
    "certificates_available",
    "class_apply",
    "class_close",
    "class_organiser_check",
    "course_adopt",
    "course_adoption_withdraw",
    "course_share",
    "enrol_members",
    "enrol_organisation",
    "organisation_find",
    "paper_generate",
    "paper_upload",
    "plan_create",
    "plan_decide",
    "plan_delete",
    "plan_revise",
    "plan_submit",
    "plan_update",
    "session_request_ask",
    "session_request_decide",
    "signin_pdf",
    "timetable_pdf",
]
