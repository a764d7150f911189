"""Refusals of training plans and classes: a ``detail`` for a person, a ``code`` for a
program, no HTTP (``dangke.api_errors`` maps the kinds). Plain ``TrainingError``
subclasses are bad input (400)."""

from __future__ import annotations

from dangke.errors import Conflict, DomainError, NotFound, NotPermitted


class TrainingError(DomainError):
    """Base of every refusal raised by training."""

    code = "invalid"


class InvalidPlan(TrainingError):
    """A plan or plan line with missing or contradicting details."""

    code = "invalid_plan"


class PlanNotFound(TrainingError, NotFound):
    """No such plan, or not one the caller may see."""

    code = "plan_not_found"


class OrganisationNotFound(TrainingError, NotFound):
    code = "organisation_not_found"


class NotPlanAdministrator(TrainingError, NotPermitted):
    """Drafting, changing or submitting a plan by someone who does not administer
    the plan's organisation."""

    code = "not_plan_administrator"


class NotParentAdministrator(TrainingError, NotPermitted):
    """Filing or returning a plan by someone who does not administer the plan's
    parent organisation (or a level above it)."""

    code = "not_parent_administrator"


class PlanFrozen(TrainingError, Conflict):
    """A submitted or filed plan changed in place."""

    code = "plan_frozen"


class PlanStateConflict(TrainingError, Conflict):
    """A plan submitted twice, filed when not submitted, revised when not filed …"""

    code = "plan_state"


class ClassNotFound(TrainingError, NotFound):
    """No such class, or not one the caller organises or is enrolled in."""

    code = "class_not_found"


class NotOrganiser(TrainingError, NotPermitted):
    """Running a class (enrolling, deciding, closing) by someone who does not
    administer the class's organisation or a level above it."""

    code = "not_organiser"


class NotAMember(TrainingError, NotPermitted):
    code = "not_a_member"


class OutOfClassScope(TrainingError):
    """Enrolling a member, or an organisation, outside the class's audience."""

    code = "out_of_class_scope"


class EnrolmentConflict(TrainingError, Conflict):
    """Applying twice, applying to a class that takes no applications, deciding an
    enrolment that is not waiting, enrolling into a closed class."""

    code = "enrolment_conflict"


class RequestConflict(TrainingError, Conflict):
    """Leave or 补签 asked at the wrong time, twice, or decided twice."""

    code = "request_conflict"


class RequestNotFound(TrainingError, NotFound):
    code = "request_not_found"


class PaperNotFound(TrainingError, NotFound):
    """A paper the class has not attached."""

    code = "paper_not_found"


class SessionNotFound(TrainingError, NotFound):
    code = "session_not_found"


class ClassNotReady(TrainingError, Conflict):
    """结班 while a session is not held, attendance is unsettled or a paper is
    missing; ``missing`` lists each problem."""

    code = "class_not_ready"


class ClassClosed(TrainingError, Conflict):
    """A class closed already (closing twice, enrolling into it)."""

    code = "class_closed"


class CourseNotFound(TrainingError, NotFound):
    """No such live, public course."""

    code = "course_not_found"


class CourseNotShared(TrainingError, NotFound):
    """A course not shared with the organisation (answered as not found: what is
    not shared with an organisation is none of its business)."""

    code = "course_not_shared"


class CourseOwnedElsewhere(TrainingError, Conflict):
    """Sharing a course another organisation already owns."""

    code = "course_owned_elsewhere"


class OwnCourse(TrainingError, Conflict):
    """An organisation adopting the course it owns."""

    code = "own_course"


class AlreadyAdopted(TrainingError, Conflict):
    """A course adopted a second time by the same organisation."""

    code = "already_adopted"


class AdoptionNotFound(TrainingError, NotFound):
    """No such adoption, or one of an organisation the caller does not
    administer."""

    code = "adoption_not_found"


class AdoptionWithdrawn(TrainingError, Conflict):
    """Withdrawing an adoption already withdrawn."""

    code = "adoption_withdrawn"


class NotTopicEditor(TrainingError, NotPermitted):
    """Adopting into a topic the caller may not edit."""

    code = "not_topic_editor"


class PlanLineNotFound(TrainingError, NotFound):
    """A plan line not of the adopting organisation's plans."""

    code = "plan_line_not_found"
