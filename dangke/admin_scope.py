"""One scoped-admin-viewset helper: every view a Wagtail viewset generates sees only
the objects the signed-in user may reach.

Wagtail's viewsets build each of their views from a ``*_view_class`` attribute through
``ViewSet.construct_view``; scoping a chosen few (list, edit, delete) left the others
(copy, history, usage, inspect, revisions, preview, lock, workflow, the chooser) reading
any object by its id. ``ScopedViewSetMixin.construct_view`` scopes every view class
instead, whatever its name:

- a view whose URL names an object (``pk``) answers 404 before it reads an object
  outside the scope (Wagtail's views read their object in ``setup``), or 403 where
  the viewset's permission policy is the scope (``scope_refusal``);
- a listing (index, its results and its CSV/XLSX export) lists only the scope;
- a snippet's chooser (choose, results, chosen, chosen-multiple) offers only the scope;
- the snippet bulk actions (``ScopedSnippetDeleteBulkAction``, registered below
  when the first app's ``wagtail_hooks`` imports this module) name and act on
  objects in the scope only;
- Wagtail's editing-session ping (who else is editing an object) answers 404 for an
  object outside the scope (``urlpatterns``, placed before Wagtail's admin).

A viewset says what its scope is in ``scope_queryset(queryset, user=...)``. Forms are
not views: a field offering other objects (an organisation, a user account) is
narrowed by the viewset's form class.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.apps import apps
from django.contrib.admin.utils import unquote
from django.core.exceptions import (
    ImproperlyConfigured,
    PermissionDenied,
    ValidationError,
)
from django.db.models import Model, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_list_or_404
from django.urls import path
from django.views.decorators.cache import never_cache
from wagtail import hooks
from wagtail.admin.auth import require_admin_access
from wagtail.admin.forms.choosers import SearchFilterMixin
from wagtail.admin.views import editing_sessions
from wagtail.admin.views.generic import IndexView
from wagtail.admin.views.generic.chooser import (
    BaseChooseView,
    ChosenMultipleViewMixin,
    CreateViewMixin,
)
from wagtail.snippets.bulk_actions.delete import DeleteBulkAction
from wagtail.snippets.views.chooser import SnippetChooserViewSet

from dangke.admin_views import InstanceCheckedDeleteView, InstanceCheckedEditView

Scope = Callable[..., QuerySet]  # scope(queryset, *, user) -> the part user may reach

NOT_FOUND = "没有找到该对象，或它不在您管理的范围内。"


class _ObjectInScope:
    """Refuses a URL naming an object (``pk``) outside the scope (404, or the
    viewset's ``scope_refusal``), before the view reads it."""

    admin_scope: Scope
    admin_scope_model: type[Model]
    admin_scope_refusal: type[Exception] = Http404

    def scoped(self, queryset: QuerySet | None = None) -> QuerySet:
        if queryset is None:
            queryset = self.admin_scope_model._default_manager.all()
        return type(self).admin_scope(queryset, user=self.request.user)

    def setup(self, request, *args, **kwargs):
        self.request = request
        pk = kwargs.get("pk")
        if pk is not None:
            try:
                found = self.scoped().filter(pk=unquote(str(pk))).exists()
            except (ValueError, TypeError, ValidationError):
                found = False
            if not found:
                raise self.admin_scope_refusal(NOT_FOUND)
        super().setup(request, *args, **kwargs)


class _ListingInScope:
    def get_base_queryset(self):
        return self.scoped(super().get_base_queryset())


class _SubstringSearch(forms.Form):
    """A chooser's search box matching substrings of the model's search fields.

    The search backends check a queryset's filters against the model's indexed
    filter fields and refuse the scope's (a 500 on ``?q=``); a scoped list is small
    enough for a substring match, which also suits Chinese without segmenting."""

    q = forms.CharField(
        label="搜索",
        widget=forms.TextInput(attrs={"placeholder": "搜索"}),
        required=False,
    )

    def filter(self, objects):
        objects = super().filter(objects)
        query = (self.cleaned_data.get("q") or "").strip()
        if query:
            names = {field.name for field in objects.model._meta.concrete_fields}
            match = Q(pk__in=[])
            for field in objects.model.get_searchable_search_fields():
                if field.field_name in names:
                    match |= Q(**{f"{field.field_name}__icontains": query})
            objects = objects.filter(match)
            self.is_searching = True
            self.search_query = query
        return objects


class _ChoicesInScope:
    def get_object_list(self):
        return self.scoped(super().get_object_list())

    def get_filter_form_class(self):
        form_class = super().get_filter_form_class()
        if issubclass(form_class, SearchFilterMixin):
            bases = tuple(
                _SubstringSearch if base is SearchFilterMixin else base
                for base in form_class.__bases__
            )
            form_class = type("ScopedFilterForm", bases, {})
        return form_class


class _CreateOnlyWithAForm:
    """A chooser's create view posts to a form; a snippet without one answers 404
    (Wagtail's raises on ``None.is_valid()``)."""

    def dispatch(self, request, *args, **kwargs):
        if self.get_creation_form_class() is None:
            raise Http404(NOT_FOUND)
        return super().dispatch(request, *args, **kwargs)


class _ChosenInScope:
    def get_objects(self, pks):
        return self.scoped(super().get_objects(pks))


def scoped_view_class(
    view_class: type,
    *,
    model: type[Model],
    scope: Scope,
    refusal: type[Exception] = Http404,
) -> type:
    """``view_class`` narrowed to what ``scope`` lets the request's user reach."""
    bases: list[type] = []
    if issubclass(view_class, IndexView):
        bases.append(_ListingInScope)
    if issubclass(view_class, BaseChooseView):
        bases.append(_ChoicesInScope)
    if issubclass(view_class, ChosenMultipleViewMixin):
        bases.append(_ChosenInScope)
    if issubclass(view_class, CreateViewMixin):
        bases.append(_CreateOnlyWithAForm)
    return type(
        f"Scoped{view_class.__name__}",
        (*bases, _ObjectInScope, view_class),
        {
            "__module__": view_class.__module__,
            "admin_scope": staticmethod(scope),
            "admin_scope_model": model,
            "admin_scope_refusal": refusal,
        },
    )


# The scope of each model whose admin viewset is scoped, filled as they register.
MODEL_SCOPES: dict[type[Model], Scope] = {}


class ScopedViewSetMixin:
    """For a ``ModelViewSet``, ``SnippetViewSet`` or ``ChooserViewSet`` whose objects
    a user may reach only in part: every view it constructs is scoped (see the
    module's docstring); a snippet's chooser is scoped the same way.

    The viewset defines ``scope_queryset(queryset, *, user)``: the part of
    ``queryset`` that ``user`` may reach in the admin. Registering one without it
    raises ImproperlyConfigured naming the viewset (at start-up)."""

    scope_queryset: Scope
    # What a URL naming an object outside the scope raises.
    scope_refusal: type[Exception] = Http404

    def on_register(self):
        if not callable(getattr(self, "scope_queryset", None)):
            raise ImproperlyConfigured(
                f"{type(self).__name__} is a scoped admin viewset: it must define "
                "scope_queryset(queryset, *, user), the part a user may reach"
            )
        super().on_register()
        MODEL_SCOPES.setdefault(self.model, self.scope_queryset)

    def construct_view(self, view_class, **kwargs):
        model = getattr(self, "model", None)
        if isinstance(model, str):  # a ChooserViewSet may name its model
            model = apps.get_model(model)
        view_class = scoped_view_class(
            view_class,
            model=model,
            scope=self.scope_queryset,
            refusal=self.scope_refusal,
        )
        return super().construct_view(view_class, **kwargs)

    @property
    def chooser_viewset_class(self):
        return ScopedSnippetChooserViewSet


class ScopedSnippetChooserViewSet(ScopedViewSetMixin, SnippetChooserViewSet):
    """A snippet's chooser, with the scope of the snippet's own viewset."""

    def scope_queryset(self, queryset: QuerySet, *, user: Any) -> QuerySet:
        return self.model.snippet_viewset.scope_queryset(queryset, user=user)


class ScopedSnippetDeleteBulkAction(DeleteBulkAction):
    """Wagtail's bulk delete of snippets, which names the objects it may not delete:
    for a scoped snippet, ids outside the scope are not found."""

    def get_queryset(self, model, object_ids):
        queryset = model._default_manager.filter(pk__in=object_ids)
        viewset = getattr(model, "snippet_viewset", None)
        if isinstance(viewset, ScopedViewSetMixin):
            queryset = viewset.scope_queryset(queryset, user=self.request.user)
        return get_list_or_404(queryset)


# After Wagtail's own (order 0), so that this is the snippets' "delete" bulk action.
hooks.register("register_bulk_action", ScopedSnippetDeleteBulkAction, order=1)


def within(queryset: QuerySet, allowed: QuerySet) -> QuerySet:
    """``queryset`` narrowed to the rows of ``allowed`` (same model)."""
    return queryset.filter(pk__in=allowed.values("pk"))


class PolicyScopedViewSetMixin(ScopedViewSetMixin):
    """For a ``SnippetViewSet`` whose permission policy grants some instances only
    (a lecturer's own profile, an uploader's own videos): every view reaches the
    instances the user may change or view; edit and delete also check the action
    on the instance. An instance the policy withholds is refused with 403, as
    Wagtail's own permission checks answer, not hidden behind a 404."""

    scope_refusal = PermissionDenied
    edit_view_class = InstanceCheckedEditView
    delete_view_class = InstanceCheckedDeleteView

    def scope_queryset(self, queryset: QuerySet, *, user: Any) -> QuerySet:
        return within(
            queryset,
            self.permission_policy.instances_user_has_any_permission_for(
                user, ["change", "view"]
            ),
        )


@never_cache
@require_admin_access
def editing_session_ping(request, app_label, model_name, object_id, session_id):
    """Wagtail's ping of an editing session (it tells who else edits the object),
    for objects in the user's scope only."""
    try:
        model = apps.get_model(app_label, model_name)
    except LookupError:
        raise Http404(NOT_FOUND) from None
    scope = MODEL_SCOPES.get(model)
    if scope is not None:
        objects = model._default_manager.all()
        try:
            found = scope(objects, user=request.user).filter(pk=unquote(object_id))
            found = found.exists()
        except (ValueError, TypeError, ValidationError):
            found = False
        if not found:
            raise Http404(NOT_FOUND)
    return editing_sessions.ping(request, app_label, model_name, object_id, session_id)


urlpatterns = [
    path(
        "admin/editing-sessions/ping/<str:app_label>/<str:model_name>/"
        "<str:object_id>/<int:session_id>/",
        editing_session_ping,
    ),
]
