"""Bad numbers and odd characters from clients are 4xx answers, never 500s."""

import pytest

from tests.helpers import assert_problem, bearer

HUGE = "9" * 25


@pytest.mark.parametrize(
    "url",
    [
        f"/api/v3/lecturers/?offset={HUGE}",
        f"/api/v3/search/?q=党&year={HUGE}",
        f"/api/v3/lecturers/{HUGE}/",
        f"/api/v3/pages/{HUGE}/",
        f"/api/v3/pages/?offset={HUGE}",
    ],
)
def test_out_of_range_numbers_are_a_client_error(client, db, url):
    response = client.get(url)
    assert 400 <= response.status_code < 500, (url, response.status_code)
    assert response.json()["code"]


def test_unicode_digits_in_a_signature_are_refused(client, db):
    response = client.get("/api/v3/media/assets/1/hls/master.m3u8?exp=%C2%B2&sig=x")
    assert 400 <= response.status_code < 500


def test_every_app_answers_errors_in_one_shape(client, db, token_for, lecturer_user):
    import json
    import uuid

    from tests import factories

    # cms / Wagtail's pages: an unknown page
    assert_problem(client.get("/api/v3/pages/987654/"), 404, "not_found")
    assert_problem(client.get("/api/v3/lecturers/987654/"), 404, "not_found")

    # search: an over-long query
    body = assert_problem(client.get("/api/v3/search/?q=" + "党" * 101), 400)
    assert body["code"] == "query_too_long"

    # learning: a heartbeat from someone who is no member, and one with bad ranges
    outsider = factories.user("outsider")
    beat = {
        "lesson": 1,
        "playback_id": str(uuid.uuid4()),
        "seq": 0,
        "ranges": [],
        "position": 0,
    }
    headers = bearer(token_for(outsider))
    answer = client.post(
        "/api/v3/learning/progress",
        data=json.dumps(beat),
        content_type="application/json",
        **headers,
    )
    assert_problem(answer, 403, "not_a_member")
    answer = client.post(
        "/api/v3/learning/progress",
        data=json.dumps({**beat, "ranges": "all of it"}),
        content_type="application/json",
        **headers,
    )
    assert assert_problem(answer, 422, "validation_error")["errors"]

    # media: a tus PATCH to an upload that does not exist keeps the tus headers
    answer = client.generic(
        "PATCH",
        f"/api/v3/media/uploads/{uuid.uuid4().hex}/",
        data=b"abc",
        content_type="application/offset+octet-stream",
        HTTP_TUS_RESUMABLE="1.0.0",
        HTTP_UPLOAD_OFFSET="0",
        **bearer(token_for(lecturer_user)),
    )
    assert_problem(answer, 404, "upload_not_found")
    assert answer["Tus-Resumable"] == "1.0.0"


def test_an_unauthenticated_call_is_a_problem_document(client, db):
    assert_problem(client.get("/api/v3/learning/archive"), 401)
