"""What an answer may hold: option ids are JSON integers and true/false a JSON
boolean (no coercion of ``true`` into option 1), and a refusal names a bounded
number of what it refuses, however much was sent."""

from __future__ import annotations

import pytest

from assessment.errors import InvalidAnswer
from assessment.models import AttemptQuestion
from assessment.scoring import answer_clean
from tests.assessment.conftest import call


def _attempt(client, quiz) -> dict:
    response = call(client, "POST", f"quizzes/{quiz.pk}/attempts")
    assert response.status_code == 201, response.content
    return response.json()


def _first_option_id(bank) -> int:
    return min(option.pk for option in bank["single"].options.all())


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"options": [True]}, "options"),
        ({"options": ["1"]}, "options"),
        ({"options": [1.0]}, "options"),
        ({"value": 1}, "value"),
        ({"value": "true"}, "value"),
        ({"text": 1921}, "text"),
    ],
)
def test_an_answer_is_read_strictly_and_the_field_named(
    member, quiz, bank, client_for, body, field
):
    client = client_for(member.user)
    attempt = _attempt(client, quiz)
    question = {"options": "single", "value": "true_false", "text": "fill_blank"}
    question_id = bank[question[field]].pk
    response = call(
        client, "PUT", f"attempts/{attempt['id']}/answers/{question_id}", body
    )
    assert response.status_code == 422, response.content
    problem = response.json()
    assert problem["code"] == "validation_error"
    assert f"payload.{field}" in problem["detail"]
    assert not AttemptQuestion.objects.filter(answer__isnull=False).exists()


def test_true_is_not_option_one(member, quiz, bank, client_for):
    """With strict ids, an option whose id is 1 is chosen by 1, never by true."""
    client = client_for(member.user)
    attempt = _attempt(client, quiz)
    url = f"attempts/{attempt['id']}/answers/{bank['single'].pk}"
    assert call(client, "PUT", url, {"options": [True]}).status_code == 422
    chosen = _first_option_id(bank)
    saved = call(client, "PUT", url, {"options": [chosen]})
    assert saved.status_code == 200, saved.content
    assert saved.json()["answer"]["options"] == [chosen]


def test_ten_thousand_option_ids_are_refused_without_repeating_them(
    member, quiz, bank, client_for
):
    client = client_for(member.user)
    attempt = _attempt(client, quiz)
    body = {"options": list(range(900_000, 910_000))}
    response = call(
        client, "PUT", f"attempts/{attempt['id']}/answers/{bank['single'].pk}", body
    )
    assert response.status_code == 422
    assert "payload.options" in response.json()["detail"]
    assert len(response.content) < 2_000
    assert "900001" not in response.content.decode()


def test_unknown_options_are_named_up_to_ten_then_counted():
    content = {"kind": "multiple", "options": [{"id": 1, "text": "甲"}]}
    unknown = list(range(100, 10_100))
    with pytest.raises(InvalidAnswer) as refused:
        answer_clean(content=content, options=[1, *unknown])
    assert refused.value.code == "unknown_option"
    detail = refused.value.detail
    assert detail.startswith("选项 100, 101, 102") and "109" in detail
    assert "110" not in detail and "等 10000 个" in detail
    assert len(detail) < 120
    with pytest.raises(InvalidAnswer) as few:
        answer_clean(content=content, options=[7, 8])
    assert few.value.detail == "选项 7, 8 不属于这道题"


def test_the_portal_form_names_a_bounded_number_of_unknown_options(
    member, quiz, bank, client_for
):
    client = client_for(member.user)
    attempt = _attempt(client, quiz)
    single = bank["single"].pk
    form = {f"q{single}": [str(n) for n in range(700_000, 700_300)]}
    response = client.post(f"/me/attempts/{attempt['id']}/", form, follow=True)
    html = response.content.decode()
    assert "等 300 个" in html and "700299" not in html
