"""The one drill-down along the organisation tree, for every report that has one
(learning's coverage, assessment's pass rates and contest results).

A report for a node shows the node's figures and one row per child organisation
(asking again with a child's code drills down), plus a row for the members attached
to the node itself. Each figure is aggregated in SQL, grouped by the first
characters of the materialised path: the path of the child a row lies under (the
node's own path for rows attached to the node), never a Python loop over members.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.db.models.functions import Substr

from learning.models import PATH_STEP, Organisation


def organisation_subtree_q(*, path: str, prefix: str = "organisation__") -> Q:
    """Rows whose organisation is the one at ``path`` or lies below it; ``prefix``
    is the lookup path to the organisation (``""`` for organisations themselves)."""
    return Q(**{f"{prefix}path__startswith": path})


def by_child_organisation(
    queryset: QuerySet,
    *,
    organisation: Organisation,
    path_field: str = "organisation__path",
    also: tuple[str, ...] = (),
) -> QuerySet:
    """``queryset`` grouped by the child of ``organisation`` each row lies under
    (``path_field`` leads to the row's organisation path): ``values("prefix",
    *also)``, where ``prefix`` is the child's path, or ``organisation``'s own for
    rows attached to it. Annotate the figures onto it."""
    width = len(organisation.path) + PATH_STEP
    return queryset.annotate(prefix=Substr(path_field, 1, width)).values(
        "prefix", *also
    )


def figures_by_child(
    queryset: QuerySet,
    *,
    organisation: Organisation,
    path_field: str = "organisation__path",
    **aggregate: Any,
) -> dict[str, Any]:
    """One figure per child of ``organisation`` (``aggregate``: a single
    ``name=expression``), keyed by the child's path as ``DrillRow.path``."""
    (name,) = aggregate
    return dict(
        by_child_organisation(
            queryset, organisation=organisation, path_field=path_field
        )
        .annotate(**aggregate)
        .values_list("prefix", name)
    )


@dataclass(frozen=True)
class DrillRow:
    """One row of a drill-down: a child organisation, or the node's own members
    (``organisation_id`` None: there is nothing further down). ``path`` is the key
    of the row's figures (``figures_by_child``)."""

    organisation_id: int | None
    code: str
    name: str
    path: str


def organisation_drill_rows(
    *, organisation: Organisation, own_members: bool
) -> list[DrillRow]:
    """The rows below ``organisation`` in a report: first, when it has members of
    its own (``own_members``), a row "<name>（本级）" for them; then each child
    organisation in tree order. Raises nothing."""
    rows = [
        DrillRow(child.pk, child.code, child.name, child.path)
        for child in Organisation.objects.filter(parent=organisation).order_by("path")
    ]
    if own_members:
        rows.insert(
            0,
            DrillRow(
                None,
                organisation.code,
                f"{organisation.name}（本级）",
                organisation.path,
            ),
        )
    return rows
