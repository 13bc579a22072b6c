"""The report as JSON for analysts and other systems: the computed result itself."""

import json


def render_json(result: dict) -> bytes:
    return json.dumps(result, indent=2, ensure_ascii=False).encode("utf-8")
