"""心得体会 API: a member writes (optional — never required for any credit), lists
and edits their own reflections and reads the 优秀 ones shared with them; their
secretaries read the reflections of their subtrees, reply and mark 优秀; counts per
organisation and year. Thin: the rules are ``reflections.services`` and
``reflections.selectors``."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status
from ninja.security import django_auth

from dangke.api_errors import error_responses
from dangke.errors import DomainError
from dangke.tokens import TokenAuth
from learning.selectors import member_for_user
from reflections import selectors, services
from reflections.models import REPLY_MAX, TEXT_MAX, Reflection

router = Router(tags=["reflections"], auth=[TokenAuth(), django_auth])

KINDS = "、".join(f"{value} {label}" for value, label in Reflection.Kind.choices)


class ReflectionIn(Schema):
    kind: str = Field(description=f"对象类型：{KINDS}")
    target_id: int = Field(
        description="对象编号（微党课页面、培训班、会议或直播的 id）"
    )
    text: str = Field(description=f"心得体会，最多 {TEXT_MAX} 字")
    show_name: bool = Field(
        default=False, description="被评为优秀并分享时是否署名（默认不署名）"
    )


class ReflectionEditIn(Schema):
    text: str = Field(description=f"心得体会，最多 {TEXT_MAX} 字")
    show_name: bool = Field(default=False, description="分享时是否署名")


class ReplyIn(Schema):
    reply: str = Field(description=f"回复，最多 {REPLY_MAX} 字；空白撤回回复")


class MarkIn(Schema):
    excellent: bool = Field(description="评为优秀（true）或撤销（false）")
    shared_in: str | None = Field(
        default=None,
        description="分享范围的党组织代码：作者所在党组织（默认）或您管理的上级党组织",
    )


class ReflectionOut(Schema):
    id: int
    kind: str
    kind_label: str
    target_id: int
    target_title: str
    text: str
    author: str = Field(description="作者；分享给党员看时，作者未同意署名则不显示姓名")
    organisation: str = Field(description="作者所在党组织名称")
    show_name: bool
    reply: str
    replied_at: datetime | None
    excellent: bool
    shared_in: str | None = Field(description="分享范围的党组织名称")
    created_at: datetime
    updated_at: datetime


class ReflectionListOut(Schema):
    items: list[ReflectionOut]


class CountsOut(Schema):
    organisation: str
    organisation_name: str
    year: int
    written: int = Field(description="写了多少篇")
    replied: int = Field(description="已回复")
    excellent: int = Field(description="优秀")
    children: list[dict] = Field(
        description="每个下级党组织的 code、name、written、replied、excellent"
    )


def reflection_out(reflection: Reflection, *, reader_kind: str) -> dict:
    private = reader_kind != "shared"
    return {
        "id": reflection.pk,
        "kind": reflection.kind,
        "kind_label": reflection.get_kind_display(),
        "target_id": reflection.target_id,
        "target_title": reflection.target_title,
        "text": reflection.text,
        "author": selectors.reflection_author_label(
            reflection=reflection, reader_kind=reader_kind
        ),
        "organisation": reflection.organisation.name,
        "show_name": reflection.show_name,
        "reply": reflection.reply if private else "",
        "replied_at": reflection.replied_at if private else None,
        "excellent": reflection.excellent,
        "shared_in": reflection.shared_in.name if reflection.shared_in_id else None,
        "created_at": reflection.created_at,
        "updated_at": reflection.updated_at,
    }


def _items(queryset, reader_kind: str, limit: int = 200) -> dict:
    return {
        "items": [
            reflection_out(r, reader_kind=reader_kind)
            for r in queryset.select_related("author", "organisation", "shared_in")[
                :limit
            ]
        ]
    }


@router.post(
    "/",
    response={201: ReflectionOut, **error_responses(400, 401, 403, 404, 409, 429)},
    operation_id="reflection_create",
    summary="Write a reflection (心得体会) after a lesson, class, meeting or lecture",
    description=(
        "Optional: never required for any credit. For members, about something they "
        "took part in (a lesson in their reach, a class they are enrolled in, a "
        f"meeting they were asked to). Over {TEXT_MAX} characters: 400 "
        "text_too_long; an unknown kind: 400; a target they did not take part in: "
        "404 target_not_found; a second one about the same target: 409."
    ),
)
def reflection_create(request: HttpRequest, payload: ReflectionIn):
    reflection = services.reflection_write(
        user=request.user,
        kind=payload.kind,
        target_id=payload.target_id,
        text=payload.text,
        show_name=payload.show_name,
    )
    return Status(201, reflection_out(reflection, reader_kind="author"))


@router.get(
    "/mine",
    response={200: ReflectionListOut, **error_responses(403)},
    operation_id="reflection_list_mine",
    summary="The signed-in member's reflections, newest first, with replies",
)
def reflection_list_mine(request: HttpRequest):
    member = services.reflection_author_required(user=request.user)
    return _items(selectors.reflections_of_author(member=member), "author")


@router.get(
    "/shared",
    response={200: ReflectionListOut, **error_responses(403)},
    operation_id="reflection_list_shared",
    summary="优秀 reflections shared within the member's organisations",
    description="The author's name only where the author agreed to it.",
)
def reflection_list_shared(request: HttpRequest):
    member = services.reflection_author_required(user=request.user)
    return _items(selectors.reflections_shared_with(member=member), "shared")


@router.get(
    "/to-read",
    response={200: ReflectionListOut},
    operation_id="reflection_list_to_read",
    summary="Reflections of the members of the subtrees the caller administers",
    description="For branch secretaries (organisation administrators) and editors; "
    "empty for anyone else. ``unreplied=true`` keeps those without a reply.",
)
def reflection_list_to_read(request: HttpRequest, unreplied: bool = False):
    queryset = selectors.reflections_read_by(user=request.user)
    if unreplied:
        queryset = queryset.filter(reply="")
    return _items(queryset, "reader")


@router.get(
    "/counts",
    response={200: CountsOut, **error_responses(400, 404)},
    operation_id="reflection_counts",
    summary="Reflections written, replied and 优秀 in an organisation's subtree in a year",
    description="Counts only, never per person. For administrators of the "
    "organisation or above, and editors; elsewhere 404.",
)
def reflection_counts(request: HttpRequest, organisation: str, year: int | None = None):
    year = year or timezone.localdate().year
    if not 2000 <= year <= 2100:
        raise DomainError("年度应在 2000–2100 之间", code="invalid_year")
    node = selectors.counts_organisation(user=request.user, code=organisation)
    counts = selectors.reflection_counts(organisation=node, year=year)
    return {
        "organisation": node.code,
        "organisation_name": node.name,
        "year": year,
        "written": counts.written,
        "replied": counts.replied,
        "excellent": counts.excellent,
        "children": [
            {"code": child.code, "name": child.name, **vars(figures)}
            for child, figures in selectors.reflection_counts_by_child(
                organisation=node, year=year
            )
        ],
    }


@router.get(
    "/{reflection_id}",
    response={200: ReflectionOut, **error_responses(404)},
    operation_id="reflection_detail",
    summary="One reflection: the author's own, one a secretary reads, or a shared 优秀",
)
def reflection_detail(request: HttpRequest, reflection_id: int):
    reflection, reader_kind = selectors.reflection_readable(
        user=request.user,
        member=member_for_user(user=request.user),
        reflection_id=reflection_id,
    )
    return reflection_out(reflection, reader_kind=reader_kind)


@router.put(
    "/{reflection_id}",
    response={200: ReflectionOut, **error_responses(400, 403, 404, 429)},
    operation_id="reflection_update",
    summary="Edit one's own reflection (the text and the 署名 choice)",
)
def reflection_update(
    request: HttpRequest, reflection_id: int, payload: ReflectionEditIn
):
    reflection = services.reflection_edit(
        user=request.user,
        reflection_id=reflection_id,
        text=payload.text,
        show_name=payload.show_name,
    )
    return reflection_out(reflection, reader_kind="author")


@router.post(
    "/{reflection_id}/reply",
    response={200: ReflectionOut, **error_responses(400, 404)},
    operation_id="reflection_reply",
    summary="Reply to a reflection (the author gets a portal notice)",
    description="For secretaries of the author's organisation or above, and editors.",
)
def reflection_reply(request: HttpRequest, reflection_id: int, payload: ReplyIn):
    reflection = services.reflection_reply(
        user=request.user, reflection_id=reflection_id, reply=payload.reply
    )
    return reflection_out(reflection, reader_kind="reader")


@router.post(
    "/{reflection_id}/excellent",
    response={200: ReflectionOut, **error_responses(400, 404)},
    operation_id="reflection_mark",
    summary="Mark a reflection 优秀 and share it within an organisation, or withdraw",
    description="For secretaries of the author's organisation or above, and editors.",
)
def reflection_mark(request: HttpRequest, reflection_id: int, payload: MarkIn):
    reflection = services.reflection_mark(
        user=request.user,
        reflection_id=reflection_id,
        excellent=payload.excellent,
        shared_in_code=payload.shared_in,
    )
    return reflection_out(reflection, reader_kind="reader")
