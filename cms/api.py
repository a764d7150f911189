"""Lecturers (师资库) on the shared API. Pages come from Wagtail's API v3 itself."""

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router
from ninja.pagination import paginate
from wagtail.api.v3.pagination import WagtailLimitOffsetPagination

from cms.models import Lecturer
from cms.schemas import LecturerOut
from dangke.api_errors import error_responses

router = Router(tags=["lecturers"])


@router.get(
    "/",
    response=list[LecturerOut],
    operation_id="lecturers_list",
    summary="List lecturers (师资库)",
)
@paginate(WagtailLimitOffsetPagination)
def lecturers_list(request: HttpRequest, **kwargs):
    return Lecturer.objects.select_related("photo").order_by("name", "pk")


@router.get(
    "/{lecturer_id}/",
    response={200: LecturerOut, **error_responses(404)},
    operation_id="lecturers_detail",
    summary="Lecturer detail",
)
def lecturers_detail(request: HttpRequest, lecturer_id: int):
    return get_object_or_404(Lecturer.objects.select_related("photo"), pk=lecturer_id)
