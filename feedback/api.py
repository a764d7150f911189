"""Feedback API (投诉建议): a signed-in user submits, lists and reads their own
submissions with the status and the answer. Administrators answer in the Wagtail
admin. Thin: the rules are ``feedback.services`` and ``feedback.selectors``."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.security import django_auth

from dangke.api_errors import error_responses
from dangke.tokens import TokenAuth
from feedback import selectors, services
from feedback.models import TEXT_MAX, Feedback

router = Router(tags=["feedback"], auth=[TokenAuth(), django_auth])


class FeedbackIn(Schema):
    category: str = Field(
        description="complaint 投诉、suggestion 建议、question 咨询、problem 问题反馈"
    )
    text: str = Field(description=f"内容，最多 {TEXT_MAX} 字")
    contact_preference: str = Field(
        default=Feedback.Contact.PORTAL,
        description="portal 站内通知答复（默认）、phone 电话联系、email 电子邮件",
    )
    contact: str = Field(
        default="", description="电话或邮箱（选择 phone、email 时必填，最多 100 字）"
    )
    page: int | None = Field(default=None, description="所涉及的公开页面 id（选填）")


class FeedbackOut(Schema):
    id: int
    category: str
    category_label: str
    text: str
    contact_preference: str
    contact: str
    page: int | None
    page_title: str
    status: str = Field(description="pending、in_progress、answered 或 closed")
    status_label: str = Field(description="待处理、处理中、已答复或已关闭")
    answer: str
    answered_at: datetime | None
    created_at: datetime


class FeedbackListOut(Schema):
    items: list[FeedbackOut]


def feedback_out(feedback: Feedback) -> dict:
    return {
        "id": feedback.pk,
        "category": feedback.category,
        "category_label": feedback.get_category_display(),
        "text": feedback.text,
        "contact_preference": feedback.contact_preference,
        "contact": feedback.contact,
        "page": feedback.page_id,
        "page_title": feedback.page.title if feedback.page_id else "",
        "status": feedback.status,
        "status_label": feedback.get_status_display(),
        "answer": feedback.answer,
        "answered_at": feedback.answered_at,
        "created_at": feedback.created_at,
    }


@router.post(
    "/",
    response={201: FeedbackOut, **error_responses(400, 401, 409, 429)},
    operation_id="feedback_create",
    summary="Submit feedback (投诉建议)",
    description=(
        "Any signed-in account. Over the text limit, an unknown category, a phone "
        "or e-mail preference without the contact: 400 naming the field; more "
        "than 3 a minute: 429; 20 still waiting: 409."
    ),
)
def feedback_create(request: HttpRequest, payload: FeedbackIn):
    feedback = services.feedback_submit(
        user=request.user,
        category=payload.category,
        text=payload.text,
        contact_preference=payload.contact_preference,
        contact=payload.contact,
        page_id=payload.page,
    )
    return Status(201, feedback_out(feedback))


@router.get(
    "/",
    response={200: FeedbackListOut},
    operation_id="feedback_list_mine",
    summary="The signed-in account's feedback, newest first, with status and answer",
)
def feedback_list_mine(request: HttpRequest):
    items = selectors.feedback_of_submitter(user=request.user)[:200]
    return Status(200, {"items": [feedback_out(f) for f in items]})


@router.get(
    "/{feedback_id}",
    response={200: FeedbackOut, **error_responses(404)},
    operation_id="feedback_detail_mine",
    summary="One of the signed-in account's feedback submissions",
)
def feedback_detail_mine(request: HttpRequest, feedback_id: int):
    feedback = selectors.feedback_of_submitter_get(
        user=request.user, feedback_id=feedback_id
    )
    return Status(200, feedback_out(feedback))
