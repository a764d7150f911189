"""Requests the API refuses before an operation reads them (``dangke.api_requests``):
permission before body, JSON bodies of the declared shape, no unreachable
operation. Every refusal is a 4xx problem document, never a server error."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests import factories

NOT_OBJECTS = ["[]", "1", '"x"', "null", "true"]


@pytest.fixture
def raw_client():
    """A client that answers a server error with its 500 page, as a real one does."""
    return Client(raise_request_exception=False)


def problem(response, status: int) -> dict:
    assert response.status_code == status, (status, response.content[:400])
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status and body["detail"] and body["code"]
    return body


def test_a_page_body_that_is_not_an_object_is_a_422_for_an_editor(
    raw_client, section, token_for
):
    lesson = factories.lesson(section, title="一课")
    admin = factories.user("boss", is_superuser=True, is_staff=True)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token_for(admin)}"}
    for method, url, body in (
        (method, url, body)
        for method, url in (
            ("patch", f"/api/v3/pages/{lesson.pk}/"),
            ("post", "/api/v3/pages/"),
        )
        for body in NOT_OBJECTS
    ):
        answer = getattr(raw_client, method)(
            url, data=body, content_type="application/json", **auth
        )
        error = problem(answer, 422)["errors"][0]
        assert error["loc"] == ["body", "data"]
        assert "must be a JSON object" in error["msg"]
    lesson.refresh_from_db()
    assert lesson.title == "一课"


def test_a_member_without_edit_rights_is_refused_before_the_body_is_read(
    raw_client, section, member_user, token_for
):
    draft = factories.lesson(section, title="草稿", live=False)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token_for(member_user)}"}
    for method, url, body in (
        (method, url, body)
        for method, url in (
            ("patch", f"/api/v3/pages/{draft.pk}/"),
            ("post", "/api/v3/pages/"),
            ("post", f"/api/v3/pages/{draft.pk}/actions/move/"),
        )
        for body in [*NOT_OBJECTS, "{}", '{"title": 5}']
    ):
        answer = getattr(raw_client, method)(
            url, data=body, content_type="application/json", **auth
        )
        assert problem(answer, 403)["code"] == "permission_denied"
    anonymous = raw_client.patch(
        f"/api/v3/pages/{draft.pk}/", data="[]", content_type="application/json"
    )
    problem(anonymous, 401)


def test_invalid_json_and_a_wrong_content_type_are_refused(
    raw_client, section, token_for
):
    lesson = factories.lesson(section, title="一课")
    admin = factories.user("boss", is_superuser=True, is_staff=True)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token_for(admin)}"}
    url = f"/api/v3/pages/{lesson.pk}/"
    broken = raw_client.patch(url, data="{", content_type="application/json", **auth)
    problem(broken, 400)
    for content_type in ("text/plain", "application/x-www-form-urlencoded"):
        answer = raw_client.patch(
            url, data='{"title": "改"}', content_type=content_type, **auth
        )
        assert problem(answer, 415)["code"] == "unsupported_media_type"
    lesson.refresh_from_db()
    assert lesson.title == "一课"


def test_every_json_body_operation_refuses_bodies_of_the_wrong_shape(
    raw_client, section, token_for, member
):
    """The general class: each operation of the document that takes a JSON body,
    called by a superuser (so permissions pass) with bodies of every wrong top
    level type, invalid JSON and a wrong media type, answers a 4xx problem."""
    lesson = factories.lesson(section, title="一课")
    admin = factories.user("boss", is_superuser=True, is_staff=True)
    doc = raw_client.get("/api/v3/openapi.json").json()
    operations = [
        (method, path)
        for path, item in doc["paths"].items()
        for method, operation in item.items()
        if "application/json" in operation.get("requestBody", {}).get("content", {})
    ]
    assert len(operations) >= 20, operations
    for token_user in (admin, member.user):
        auth = {"HTTP_AUTHORIZATION": f"Bearer {token_for(token_user)}"}
        for method, path in operations:
            url = re.sub(r"\{[^}]+\}", str(lesson.pk), path)
            url = url.replace(f"/snippets/{lesson.pk}/", "/snippets/cms.Lecturer/")
            for body, content_type in [
                *((value, "application/json") for value in NOT_OBJECTS),
                ("{", "application/json"),
                ("{}", "text/plain"),
            ]:
                answer = getattr(raw_client, method)(
                    url, data=body, content_type=content_type, **auth
                )
                assert 400 <= answer.status_code < 500, (method, url, body)
                assert answer["Content-Type"].startswith("application/problem+json")


def test_operations_no_request_can_reach_are_not_documented_or_served(client, db):
    """No snippet model keeps revisions, drafts or translations, so Wagtail's
    snippet revision and action operations (their ``type`` can only be "") are
    gone rather than documented with a parameter no client can fill."""
    doc = client.get("/api/v3/openapi.json").json()
    for path, item in doc["paths"].items():
        for operation in item.values():
            for parameter in operation.get("parameters", []):
                assert parameter["schema"].get("const") != "", (path, parameter)
    assert "/api/v3/snippets/{type}/{pk}/revisions/" not in doc["paths"]
    assert "/api/v3/snippets/{type}/{pk}/" in doc["paths"]
    assert client.get("/api/v3/snippets/cms.Lecturer/1/revisions/").status_code == 404


def test_a_snippet_key_the_model_cannot_hold_is_a_404(raw_client, editor, token_for):
    """``/snippets/cms.Lecturer/<letters>/`` was a server error from the lookup."""
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token_for(editor)}"}
    url = "/api/v3/snippets/cms.Lecturer/not-a-number/"
    problem(raw_client.get(url, **auth), 404)
    answer = raw_client.patch(
        url, data='{"name": "改"}', content_type="application/json", **auth
    )
    problem(answer, 404)


def test_a_courses_member_types_are_documented_and_returned_as_a_list(client, section):
    course = factories.course(section, intended_member_types=["regular"])
    answer = client.get(f"/api/v3/pages/{course.pk}/")
    assert answer.json()["intended_member_types"] == ["regular"]
    doc = client.get("/api/v3/openapi.json").json()
    field = doc["components"]["schemas"]["CoursePageSchema"]["properties"][
        "intended_member_types"
    ]
    kinds = [option.get("type") for option in field.get("anyOf", [field])]
    assert "array" in kinds and "object" not in kinds, field


def nested(depth: int, inner: str = "1") -> str:
    """``depth`` arrays inside one another around ``inner``."""
    return "[" * depth + inner + "]" * depth


def test_deeply_nested_json_is_a_400_naming_the_problem(raw_client, member, token_for):
    """A thousand levels of ``[`` were a RecursionError (500) in the parser, for
    anonymous callers too; brackets inside strings do not count."""
    from dangke.api_bodies import JSON_MAX_DEPTH

    auth = {"HTTP_AUTHORIZATION": f"Bearer {token_for(member.user)}"}
    calls = [
        ("post", "/api/v3/assessment/live/join", {}),
        ("post", "/api/v3/learning/progress", auth),
        ("post", "/api/v3/learning/checkins", auth),
        ("put", "/api/v3/assessment/attempts/1/answers/1", auth),
    ]
    for depth in (JSON_MAX_DEPTH + 1, 1000, 100_000):
        body = '{"code": ' + nested(depth - 1) + "}"
        for method, url, headers in calls:
            answer = getattr(raw_client, method)(
                url, data=body, content_type="application/json", **headers
            )
            refusal = problem(answer, 400)
            assert refusal["code"] == "json_too_deep", (url, depth)
            assert "嵌套过深" in refusal["detail"]
    # At the limit, and with brackets in strings, the body is read as usual: a
    # validation error of its fields, not a refusal of its depth.
    for body in (
        '{"code": ' + nested(JSON_MAX_DEPTH - 1) + "}",
        '{"code": "' + "[" * 1000 + '\\"' + "{" * 1000 + '"}',
    ):
        answer = raw_client.post(
            "/api/v3/assessment/live/join", data=body, content_type="application/json"
        )
        assert problem(answer, 422)["code"] == "validation_error"


def test_every_json_body_operation_refuses_deep_nesting(raw_client, section, token_for):
    """The general class: each operation of the document taking a JSON body
    answers a body nested too deeply with the same 400 (after authentication: a
    phone's operations, which take only a device token, answer a superuser 401)."""
    lesson = factories.lesson(section, title="一课")
    admin = factories.user("boss", is_superuser=True, is_staff=True)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token_for(admin)}"}
    doc = raw_client.get("/api/v3/openapi.json").json()
    operations = [
        (method, path, operation.get("security") or [])
        for path, item in doc["paths"].items()
        for method, operation in item.items()
        if "application/json" in operation.get("requestBody", {}).get("content", {})
    ]
    body = '{"title": ' + nested(1000) + "}"
    refused = 0
    for method, path, security in operations:
        url = re.sub(r"\{[^}]+\}", str(lesson.pk), path)
        url = url.replace(f"/snippets/{lesson.pk}/", "/snippets/cms.Lecturer/")
        answer = getattr(raw_client, method)(
            url, data=body, content_type="application/json", **auth
        )
        if security == [{"LiveDeviceAuth": []}]:
            problem(answer, 401)
            continue
        assert problem(answer, 400)["code"] == "json_too_deep", (method, url)
        refused += 1
    assert refused >= 20, operations


def test_the_depth_scan_reads_strings_escapes_and_encodings():
    from dangke.api_bodies import json_depth

    assert json_depth(b"1") == 0
    assert json_depth(b'{"a": [1, {"b": "]]]]"}]}') == 3
    assert json_depth(b'["\\\\", [["\\"[[["]]]') == 3
    assert json_depth(b'["never closed [[[[[[') == 1
    assert json_depth('[["\\"["]]'.encode("utf-16")) == 2
    assert json_depth(nested(100_000).encode(), stop_above=32) == 33
