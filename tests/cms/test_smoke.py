def test_api_lists_lessons(client, section):
    from tests import factories

    factories.lesson(section, title="党史第一课")
    response = client.get("/api/v3/pages/?type=cms.MicroLessonPage")
    assert response.status_code == 200, response.content
    assert [item["title"] for item in response.json()["items"]] == ["党史第一课"]
