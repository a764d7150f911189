"""The competitions demo: a finished preliminary (released, the top five in the
final, the ``member`` login among them) and a final ready to run; a second load
adds nothing."""

from __future__ import annotations

import io

import pytest

from competitions.demo import ENTRANTS, JUDGES, TITLE, competitions_demo_load
from competitions.models import Competition, Round, Score
from competitions.selectors import round_ranking, stage_order
from tests import factories

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_finished_preliminary_and_a_final_ready(tree, member, editor):
    branches = [tree["branch1"], tree["branch2"]]
    for index, name in enumerate(ENTRANTS[1:] + JUDGES):
        factories.member(organisation=branches[index % 2], username=name)
    factories.video_asset(status="ready", published_version=1)
    out = io.StringIO()
    competitions_demo_load(stdout=out)
    competition = Competition.objects.get(title=TITLE)
    preliminary, final = competition.rounds.order_by("sequence")
    assert preliminary.status == Round.Status.CLOSED
    assert preliminary.released_at is not None
    assert Score.objects.filter(round=preliminary).exists()
    finalists = [r.entry for r in stage_order(round=final)]
    assert finalists == [s.entry for s in round_ranking(round=preliminary)][:5]
    assert member.user in [e.entrant for e in finalists]
    assert final.status == Round.Status.OPEN and final.current_entry is None
    assert final.judges.count() == 5
    assert f"/me/competitions/rounds/{final.pk}/screen/" in out.getvalue()
    competitions_demo_load(stdout=io.StringIO())
    assert Competition.objects.filter(title=TITLE).count() == 1
