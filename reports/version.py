"""The code version stamped on every report, captured once when the process starts."""

import os
import subprocess
from pathlib import Path

from django.conf import settings

_VERSION: str | None = None


def _read_version() -> str:
    if os.environ.get("APP_VERSION"):
        return os.environ["APP_VERSION"][:40]
    try:
        completed = subprocess.run(  # noqa: S603 - fixed arguments, no shell
            ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607 - git from PATH
            cwd=Path(settings.BASE_DIR),
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return completed.stdout.strip()[:40] or "unknown"


def capture_code_version() -> str:
    """Read the version (APP_VERSION, else the git commit) and keep it for the process."""
    global _VERSION
    _VERSION = _read_version()
    return _VERSION


def code_version() -> str:
    """The version captured at start-up (read now if start-up did not capture it)."""
    return _VERSION if _VERSION is not None else capture_code_version()
