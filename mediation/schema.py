"""The OpenAPI schema class: drf-spectacular's, with the contract's error answers on every
operation (API.md "Conventions")."""

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema

_ERROR = {
    "type": "object",
    "properties": {"detail": {"type": "string"}, "code": {"type": "string"}},
    "required": ["detail"],
}
_FIELD_ERRORS = {
    "type": "object",
    "description": 'Field errors {"field": ["message"]}, or {"detail", "code"}.',
    "additionalProperties": True,
}
_WRONG_STATE = {
    "type": "object",
    "properties": {
        **_ERROR["properties"],
        "status": {"type": "string"},
        "allowed_actions": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["detail"],
}
ERROR_RESPONSES = {
    "400": ("Bad input: field errors", _FIELD_ERRORS),
    "401": ("Not logged in", _ERROR),
    "403": ("The caller's role may never do this", _ERROR),
    "404": ("Not found, or not visible to the caller", _ERROR),
    "405": ("Method not allowed", _ERROR),
    "409": ("Not allowed in the current state", _WRONG_STATE),
    "413": ("Request or file too large", _ERROR),
    "415": ("Unsupported media or file type", _ERROR),
    "429": ("Throttled; see the Retry-After header", _ERROR),
}
_READ_ONLY_ERRORS = ("400", "401", "403", "404", "405", "429")


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's schema, with the error answers of API.md "Conventions" on every
    operation (a generated client then knows every status the API may give)."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        codes = _READ_ONLY_ERRORS if self.method in ("GET", "HEAD") else ERROR_RESPONSES
        for code in codes:
            description, schema = ERROR_RESPONSES[code]
            existing = responses.get(code)
            if existing is None:
                responses[code] = {"description": description, "content": {"application/json": {"schema": schema}}}
            elif "content" not in existing:
                existing["content"] = {"application/json": {"schema": schema}}
            if code == "429":
                responses[code].setdefault(
                    "headers", {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}}
                )
        return responses

    def _map_basic_serializer(self, serializer, direction):
        """Fields a serializer lists in Meta.schema_optional are left out of "required"."""
        result = super()._map_basic_serializer(serializer, direction)
        for prop in result.get("properties", {}).values():
            # An unset optional email is "", which is not an "email" format string.
            if prop.get("readOnly") and prop.get("format") == "email":
                del prop["format"]
        optional = getattr(getattr(serializer, "Meta", None), "schema_optional", ())
        if optional and "required" in result:
            result["required"] = [name for name in result["required"] if name not in optional]
            if not result["required"]:
                del result["required"]
        return result
