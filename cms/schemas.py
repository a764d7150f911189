from typing import Any

from ninja import Schema


class LecturerOut(Schema):
    id: int
    name: str
    title: str
    organisation: str
    specialties: list[str]
    bio: str
    photo_url: str | None = None

    @staticmethod
    def resolve_specialties(obj: Any) -> list[str]:
        return obj.specialty_list

    @staticmethod
    def resolve_photo_url(obj: Any, context: dict) -> str | None:
        if not obj.photo_id:
            return None
        rendition = obj.photo.get_rendition("fill-240x240")
        return context["request"].build_absolute_uri(rendition.url)
