"""What the API checks of every request before an operation reads it.

In this order, after authentication:

1. Wagtail's operations gated by a permission (``require_any_permission``) check it
   first: a member without edit rights gets 403 whatever body they send, and no
   validation error tells them about page types or pages they cannot see.
2. An operation taking a JSON body refuses another media type (415).
3. An object key in the path that the model's primary key cannot hold (Wagtail's
   snippet operations, ``/snippets/{type}/{pk}/`` with a ``pk`` of letters) is a
   404, as any key that names nothing, not a server error from the lookup.
4. A JSON body nested deeper than ``dangke.api_bodies.JSON_MAX_DEPTH`` is a 400
   ``json_too_deep`` (the API's parser, ``JsonParser``, refuses it before parsing),
   for every operation taking JSON, anonymous ones included.
5. A JSON body whose top level is not what the operation declares (``[]``, ``1``,
   ``null`` where an object is due) is a validation error (422) naming the body;
   Wagtail's page unions would otherwise take any value for a model instance.

Operations that no request can reach (a path parameter whose only allowed value is
the empty string: Wagtail's snippet revision and action operations when no snippet
model keeps revisions, drafts or translations) are neither served nor documented.
"""

from __future__ import annotations

import types
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from ninja import NinjaAPI
from ninja.errors import ValidationError as NinjaValidationError
from ninja.operation import Operation
from pydantic import BaseModel

from dangke import compat, errors
from dangke.api_bodies import JsonParser


class UnsupportedBodyType(errors.UnsupportedMediaType):
    code = "unsupported_media_type"


JSON_TYPE_NAMES = {
    dict: "object",
    list: "array",
    str: "string",
    int: "integer",
    float: "number",
    bool: "boolean",
    type(None): "null",
}


def _json_kinds(annotation: Any) -> set[type] | None:
    """The Python types a JSON value of ``annotation`` can have at its top level
    (``dict`` for an object), or None when that is not known."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _json_kinds(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        kinds: set[type] = set()
        for member in get_args(annotation):
            member_kinds = _json_kinds(member)
            if member_kinds is None:
                return None
            kinds |= member_kinds
        return kinds
    if annotation is type(None):
        return {type(None)}
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return {dict}
    if annotation is dict or origin is dict:
        return {dict}
    if annotation is list or origin is list:
        return {list}
    return None


def _is_json(content_type: str) -> bool:
    return content_type == "application/json" or content_type.endswith("+json")


def _permission_first(operation: Operation, request: HttpRequest) -> None:
    gate = compat.wagtail_required_permission(operation.view_func)
    if gate is None:
        return
    model, actions = gate
    if not isinstance(model, type):
        return  # resolved from the request's parameters: the view checks it
    from wagtail.permissions import policy_registry

    policy = policy_registry.get_by_type(model)
    if not policy.user_has_any_permission(request.user, actions):
        raise PermissionDenied


def _object_key(path_params: dict) -> None:
    if "type" not in path_params or "pk" not in path_params:
        return
    from django.contrib.admin.utils import unquote
    from django.core.exceptions import ValidationError
    from wagtail.coreutils import resolve_model_string

    try:
        model = resolve_model_string(path_params["type"])
    except (LookupError, ValueError):
        return  # not a type the operation takes: a validation error (422)
    try:
        model._meta.pk.to_python(unquote(path_params["pk"]))
    except ValidationError as exc:
        raise Http404(f"No {model._meta.object_name} matches the given query.") from exc


def _body_shape(operation: Operation, request: HttpRequest) -> None:
    body = compat.operation_json_body(operation)
    if body is None or not request.body:
        return
    if not _is_json(request.content_type or ""):
        raise UnsupportedBodyType(
            f"The request body must be JSON (Content-Type: application/json), "
            f"not {request.content_type or 'untyped'}"
        )
    try:
        # Raises JsonTooDeep, a domain error: ninja would answer it as a body it
        # "cannot parse", without saying why.
        value = operation.api.parser.parse_body(request)
    except ValueError:
        return  # ninja answers "Cannot parse request body" (400)
    name, annotation = body
    kinds = _json_kinds(annotation)
    if kinds is None:
        return
    value_kind = type(value)
    if value_kind in kinds or (value_kind is int and float in kinds):
        return
    expected = " or ".join(sorted(JSON_TYPE_NAMES.get(k, k.__name__) for k in kinds))
    got = JSON_TYPE_NAMES.get(value_kind, value_kind.__name__)
    raise NinjaValidationError(
        [
            {
                "type": "body_type",
                "loc": ["body", name] if name else ["body"],
                "msg": f"The request body must be a JSON {expected}, not {got}",
            }
        ]
    )


def request_check(operation: Operation, request: HttpRequest, path_params) -> None:
    """The checks of this module's docstring, for one request."""
    _permission_first(operation, request)
    _object_key(path_params)
    _body_shape(operation, request)


def _unreachable(operation: Operation) -> bool:
    return any(
        annotation == Literal[""]
        for annotation in compat.operation_path_annotations(operation).values()
    )


def request_checks_install(api: NinjaAPI) -> None:
    """Install ``request_check`` on every operation of ``api`` and drop the
    operations no request can reach; parse JSON bodies with ``JsonParser``. Call
    after the last ``add_router``."""
    api.parser = JsonParser()
    for _prefix, operation in list(compat.api_operations(api)):
        if _unreachable(operation):
            compat.api_operation_remove(api, operation)
        else:
            compat.api_operation_check_before_values(operation, request_check)
