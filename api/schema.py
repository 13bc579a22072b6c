"""OpenAPI post-processing: document the error answers every operation can give."""

ERROR = {
    "type": "object",
    "description": "Why the request was not done.",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
VALIDATION_ERROR = {
    "type": "object",
    "description": "What to correct: messages per field (non_field_errors for the rest).",
    "properties": {
        "detail": {"type": "string", "description": "The first message, for people."},
        "errors": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
    "required": ["detail", "errors"],
}

_DESCRIPTIONS = {
    "400": "The request is not valid: see `errors` for a message per field.",
    "401": "No valid token or session: the token is missing, wrong or revoked.",
    "403": "Your role or your token's scope does not allow this.",
    "404": "Not found, or outside what you may see.",
    "415": "Send JSON (Content-Type: application/json).",
    "429": "Too many requests for this token: wait and try again (see Retry-After).",
}


def _response(code: str) -> dict:
    name = "ValidationError" if code == "400" else "Error"
    return {
        "description": _DESCRIPTIONS[code],
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}},
    }


def error_responses(result, generator, request, public):
    """Add 400/401/403/404/415/429 answers (with their JSON bodies) to every operation."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR
    schemas["ValidationError"] = VALIDATION_ERROR
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            codes = ["401", "403", "429"]
            parameters = operation.get("parameters", [])
            has_query = any(p.get("in") == "query" for p in parameters)
            if "{" in path or has_query:
                codes.append("404")  # an object outside scope, or a page past the end
            if has_query or method != "get":
                codes.append("400")  # a bad filter, or a rule the service refused
            if "requestBody" in operation:
                codes.append("415")
            responses = operation.setdefault("responses", {})
            for code in codes:
                responses.setdefault(code, _response(code))
    return result
