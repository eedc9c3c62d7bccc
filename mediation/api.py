"""Shared API plumbing: pagination and the one exception handler that maps domain
errors to the contract's status codes (API.md "Conventions"), and the negotiation of views
that send a file; and the base of serializers whose fields are plain values."""

import copy
import logging

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404
from rest_framework import exceptions, serializers, status
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from mediation.errors import DomainError, Throttled, WrongState
from mediation.paging import COUNT_CAP, CappedPaginator
from mediation.unavailable import database_unreachable, unavailable_json

logger = logging.getLogger(__name__)


class Pagination(PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


class CaseListPagination(Pagination):
    """Case lists: `count` stops at COUNT_CAP, and `count_capped` says there are more."""

    django_paginator_class = CappedPaginator

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        response.data["count_capped"] = self.page.paginator.capped
        return response

    def get_paginated_response_schema(self, schema):
        schema = super().get_paginated_response_schema(schema)
        schema["properties"]["count"]["description"] = f"Matching cases, counted up to {COUNT_CAP:,}."
        schema["properties"]["count_capped"] = {
            "type": "boolean",
            "description": f"More than {COUNT_CAP:,} cases match: narrow the filters to count them.",
        }
        schema["required"] = [*schema.get("required", []), "count_capped"]
        return schema


def exception_handler(exc, context):
    if database_unreachable(exc):
        # Django logs the 503 answer, but not its cause.
        logger.warning("database unreachable: %s", exc)
        return unavailable_json(context["request"])
    if isinstance(exc, RequestDataTooBig):
        return Response({"detail": str(exc) or "Request too large.", "code": "too_large"}, status=413)
    if isinstance(exc, DomainError):
        if exc.fields and exc.status_code == 400:
            body = {k: [str(m) for m in v] for k, v in exc.fields.items()}
        else:
            body = {"detail": str(exc.message), "code": exc.code}
        if isinstance(exc, WrongState):
            body.update(status=exc.status, allowed_actions=exc.allowed_actions)
        response = Response(body, status=exc.status_code)
        if isinstance(exc, Throttled):
            response["Retry-After"] = str(exc.retry_after)
        return response
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, dict) and "detail" in response.data:
        response.data.setdefault("code", getattr(response.data["detail"], "code", "error"))
    if response is not None and response.status_code == status.HTTP_401_UNAUTHORIZED:
        response.data.setdefault("code", "not_authenticated")
    return response


class AnyAccept(BaseContentNegotiation):
    """The file is sent whatever the client accepts; errors are JSON."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class FlatSerializer(serializers.Serializer):
    """A serializer whose declared fields are plain values (no nested serializer).

    DRF gives each instance deep copies of the declared fields, each rebuilt from its
    arguments: a third of a millisecond for a filing's sixteen fields, on every request.
    Shallow copies do here: binding sets only the copy's own name and parent, and nothing
    changes a field's arguments after it is declared. A list field's item field is shared,
    and it keeps no state between values.
    """

    def get_fields(self):
        return {name: copy.copy(field) for name, field in self._declared_fields.items()}
