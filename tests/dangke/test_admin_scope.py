"""``dangke.admin_scope`` beyond the viewsets' own views (those are requested in
``tests/dangke/test_authorisation_matrix.py``): Wagtail's editing-session ping, and
a scoped viewset that does not say its scope."""

from __future__ import annotations

import pytest

from tests import factories

pytestmark = pytest.mark.django_db


def test_the_editing_session_ping_keeps_to_the_scope(tree, client_for):
    """The ping tells who else edits an object, and records the caller as editing
    it: an organisation admin of another subtree gets 404 for a member outside it."""
    from wagtail.admin.models import EditingSession

    member = factories.member(organisation=tree["branch1"], username="zhang")
    own = factories.org_admin(organisation=tree["sub1"], username="own_admin")
    other = factories.org_admin(organisation=tree["sub2"], username="other_admin")
    url = f"/admin/editing-sessions/ping/learning/member/{member.pk}/0/"
    refused = client_for(other).post(url, {"is_editing": "1"})
    assert refused.status_code == 404
    assert not EditingSession.objects.filter(user=other).exists()
    answered = client_for(own).post(url, {"is_editing": "1"})
    assert answered.status_code == 200, answered.content[:500]
    assert EditingSession.objects.filter(user=own).exists()
    # A model that does not exist is not found either.
    assert (
        client_for(other)
        .post("/admin/editing-sessions/ping/nope/nothing/1/0/")
        .status_code
        == 404
    )


def test_a_scoped_viewset_without_its_scope_is_refused_at_registration():
    from django.core.exceptions import ImproperlyConfigured
    from wagtail.admin.viewsets.model import ModelViewSet

    from dangke.admin_scope import ScopedViewSetMixin
    from learning.models import Organisation

    class UnscopedViewSet(ScopedViewSetMixin, ModelViewSet):
        model = Organisation

    with pytest.raises(ImproperlyConfigured, match="UnscopedViewSet"):
        UnscopedViewSet(name="unscoped").on_register()
