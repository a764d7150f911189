"""The authorisation matrix's vocabulary: the roles, a row and the helpers that
write one (``tests/dangke/test_authorisation_matrix.py`` holds the core table).

An app may keep its own rows beside its tests: ``tests/<app>/matrix_rows.py`` with

- ``ROWS``: a list of ``Row`` (built with ``api``, ``portal``, ``but``, ``every``);
- ``world(context) -> dict``: builds the app's objects in the matrix's world and
  returns the ids its rows' URLs name (``context`` holds ``users`` in ``ROLES``
  order, ``member``, ``other_member``, ``lecturer`` (the lecturer profile),
  ``district``, ``sub1``, ``sub2``, ``branch1``, ``branch2``, ``public`` (a live
  public lesson), ``public_asset`` (its ready video), ``training_class``,
  ``session`` and ``ids`` (the ids so far));
- ``ADMIN_CLASSES``: ``(class, route prefix)`` pairs for its admin URLs (the class
  names are those of the test module: ``"own rule"``, ``"editors"``, ...);
- ``demo_ids(member) -> dict``: the demo's ids for the path parameters of the
  app's operations, for ``tests/dangke/test_api_contract.py`` (``member`` is the
  demo member; parameter names are unique across the API: ``lecture_id``, not
  ``id``).

The app is named in ``APP_MATRICES`` below.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Apps whose matrix rows live in tests/<app>/matrix_rows.py.
APP_MATRICES = ("lectures", "competitions", "broadcasts", "viewing", "reflections")

ROLES = (
    "anonymous",
    "member",  # 党员 of branch B1 (under S1)
    "other_member",  # 党员 of branch B2 (under S2)
    "lecturer",
    "other_lecturer",  # owns a submission under review
    "editor",
    "other_admin",  # 组织管理员 of S2: not the member's subtree
    "superuser",
)
ANON, MEMBER, OTHER, LECT, LECT2, EDITOR, OADMIN, SUPER = range(8)


def every(status: int) -> tuple[int, ...]:
    return (status,) * len(ROLES)


def but(default: int, **by_role: int) -> tuple[int, ...]:
    """``default`` for every role except those named (``member=200``…)."""
    return tuple(by_role.get(role, default) for role in ROLES)


@dataclass(frozen=True)
class Row:
    """One request: ``kind`` is ``api`` (``name`` is its operationId), ``portal``
    (``name`` is its URL name) or ``media``; ``url`` is formatted with the world's
    ids; ``expect`` gives a status per role in ``ROLES`` order."""

    kind: str
    name: str
    method: str
    url: str
    expect: tuple[int, ...]
    body: dict | None = None
    form: dict | None = None
    headers: dict = field(default_factory=dict)
    operation: str | None = None  # the operationId a media URL is served by
    follow: bool = False  # follow redirects (APPEND_SLASH) to the final answer


def api(op, method, url, expect, body=None, **headers) -> Row:
    return Row("api", op, method, "/api/v3" + url, expect, body=body, headers=headers)


def portal(name, method, url, expect, form=None) -> Row:
    return Row("portal", name, method, url, expect, form=form)


def media(name, url, expect, operation=None, follow=False) -> Row:
    return Row("media", name, "GET", url, expect, operation=operation, follow=follow)


PLAYLIST, FILE = "media_assets_playlist", "media_assets_file"


TUS_BODY = "application/offset+octet-stream"
MEMBERS_ONLY = but(403, anonymous=401, member=200, other_member=200)
SIGNED_IN = but(200, anonymous=401)
TOKEN_ONLY = but(403, anonymous=401)


MEMBERS_ONLY = but(403, anonymous=401, member=200, other_member=200)
SIGNED_IN = but(200, anonymous=401)
TOKEN_ONLY = but(403, anonymous=401)
