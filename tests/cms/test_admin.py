"""The lecturer pool in the admin: a lecturer's own profile, searching the pool."""

from __future__ import annotations

import pytest

from tests import factories

pytestmark = pytest.mark.django_db

LIST_URL = "/admin/snippets/cms/lecturer/"


@pytest.fixture
def pool(lecturer_user):
    other = factories.user("other-lecturer-account", groups=["讲师"])
    return {
        "own": factories.lecturer(
            name="甲老师", user=lecturer_user, specialties="党史、基层治理"
        ),
        "other": factories.lecturer(name="乙老师", user=other, specialties="党史"),
    }


def test_searching_the_pool_answers_on_sqlite(client_for, editor, lecturer_user, pool):
    """The listing's search matched fields the SQLite search backend cannot name
    ("no such column") and filtered a lecturer's profile it cannot filter (a 500)."""
    found = client_for(editor).get(LIST_URL, {"q": "党史"}).content.decode()
    assert "甲老师" in found and "乙老师" in found
    own = client_for(lecturer_user).get(LIST_URL, {"q": "党史"})
    assert own.status_code == 200
    assert "甲老师" in own.content.decode() and "乙老师" not in own.content.decode()
    assert client_for(editor).get(LIST_URL, {"q": '"'}).status_code == 200


def test_a_lecturer_editing_their_profile_sees_no_other_account(
    client_for, lecturer_user, pool
):
    html = (
        client_for(lecturer_user)
        .get(f"{LIST_URL}edit/{pool['own'].pk}/")
        .content.decode()
    )
    assert "甲老师" in html
    assert "other-lecturer-account" not in html
