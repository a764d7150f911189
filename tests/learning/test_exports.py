"""Report files speak the reader's language: member types by their Chinese label."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests import factories
from tests.helpers import export_cells

pytestmark = pytest.mark.django_db


def test_laggards_member_types_are_labelled_in_csv_and_xlsx(editor, client_for, tree):
    factories.member(organisation=tree["branch1"], username="zhang")
    factories.member(organisation=tree["branch2"], username="li", member_type="mobile")
    client = client_for(editor)
    for fmt in ("csv", "xlsx"):
        answer = client.get(
            reverse("learning_report"), {"organisation": "D", "export": fmt}
        )
        assert answer.status_code == 200
        cells = [str(cell) for cell in export_cells(answer, fmt)]
        assert "普通党员" in cells and "流动党员" in cells
        assert "regular" not in cells and "mobile" not in cells
