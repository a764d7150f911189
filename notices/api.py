"""Notices API: the signed-in account's notices, and marking one read."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.security import django_auth

from dangke.api_errors import error_responses
from dangke.tokens import TokenAuth
from notices import services

router = Router(tags=["notices"], auth=[TokenAuth(), django_auth])


class NoticeOut(Schema):
    id: int
    title: str
    body: str
    link: str = Field(description="门户内的相对链接")
    created_at: datetime
    read_at: datetime | None
    remind_at: datetime | None


class NoticeListOut(Schema):
    items: list[NoticeOut]
    unread: int


def _out(notice) -> dict:
    return {
        "id": notice.pk,
        "title": notice.title,
        "body": notice.body,
        "link": notice.link,
        "created_at": notice.created_at,
        "read_at": notice.read_at,
        "remind_at": notice.remind_at,
    }


@router.get(
    "/",
    response={200: NoticeListOut},
    operation_id="notices_list",
    summary="The signed-in account's notices, newest first",
)
def notice_list(request: HttpRequest, unread: bool = False):
    notices = services.notices_for(user=request.user, unread_only=unread)
    return Status(
        200,
        {
            "items": [_out(n) for n in notices],
            "unread": services.notices_unread_count(user=request.user),
        },
    )


@router.post(
    "/{notice_id}/read",
    response={200: NoticeOut, **error_responses(404)},
    operation_id="notices_read",
    summary="Mark one of one's notices read",
)
def notice_read(request: HttpRequest, notice_id: int):
    notice = services.notice_mark_read(user=request.user, notice_id=notice_id)
    return Status(200, _out(notice))
