"""The API's JSON parser (REST_FRAMEWORK's default): a body's size and nesting depth are
checked before it is parsed.

Python's json module recurses once per level of nesting, so a 200 KB body of 100,000
brackets raised RecursionError, a 500, on every JSON endpoint, `auth/token/` anonymously
included. No body of this API nests more than a few levels; MAX_DEPTH leaves room. The
check is one pass of a regular expression over the raw bytes: brackets inside strings do
not count, and UTF-8 never puts an ASCII byte inside a multi-byte character.
"""

import io
import re

from django.core.exceptions import RequestDataTooBig
from django.utils.translation import gettext as _
from rest_framework import exceptions, parsers

MAX_DEPTH = 32
# The largest body of the API is a batch of delivery receipts or a long description with
# its escapes; evidence files come as multipart, within the server's own limit.
MAX_BYTES = 2 * 1024 * 1024

# A whole string (escapes included), or one bracket.
_TOKEN = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.DOTALL)


def check_json_body(body: bytes) -> None:
    """Raise RequestDataTooBig (413) or ParseError "too_deep" (400) for a body not to parse."""
    if len(body) > MAX_BYTES:
        raise RequestDataTooBig(_("The JSON body is larger than 2 MB."))
    depth = 0
    for match in _TOKEN.finditer(body):
        token = match.group()
        if token in (b"[", b"{"):
            depth += 1
            if depth > MAX_DEPTH:
                raise exceptions.ParseError(
                    _("The JSON body nests deeper than %(limit)d levels.") % {"limit": MAX_DEPTH}, code="too_deep"
                )
        elif token in (b"]", b"}"):
            depth -= 1


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        body = stream.read(MAX_BYTES + 1)
        check_json_body(body)
        return super().parse(io.BytesIO(body), media_type, parser_context)
