"""Bad numbers and odd characters from clients are 4xx answers, never 500s."""

import pytest

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
