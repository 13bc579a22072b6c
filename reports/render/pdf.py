"""The report as a PDF laid out for a board paper (WeasyPrint; SVG charts, no JavaScript).

WeasyPrint may load only the product's own static files: the URL fetcher below refuses
every other URL (other hosts, file:// paths, data: URIs, paths escaping the static folders).
WeasyPrint is memory-hungry: the Celery worker that runs it restarts its child process after
a bounded number of tasks (--max-tasks-per-child=50 in the Makefile and docker compose).
"""

import mimetypes
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from reports.render.html import PDF_BASE_URL as BASE_URL
from reports.render.html import render_document_html


class StaticOnlyURLFetcher(URLFetcher):
    """Serves the product's static files and refuses everything else."""

    def fetch(self, url, headers=None):
        parts = urlsplit(url)
        base = urlsplit(BASE_URL)
        if (parts.scheme, parts.netloc) != (base.scheme, base.netloc):
            raise ValueError(f"Refused to load {url!r}: only the product's static files")
        path = unquote(parts.path)
        if not path.startswith(settings.STATIC_URL):
            raise ValueError(f"Refused to load {url!r}: not a static file")
        relative = PurePosixPath(path[len(settings.STATIC_URL) :])
        if relative.is_absolute() or ".." in relative.parts or not relative.parts:
            raise ValueError(f"Refused to load {url!r}: not a static file")
        found = finders.find(str(relative))
        if not found:
            raise ValueError(f"Refused to load {url!r}: no such static file")
        mime_type = mimetypes.guess_type(found)[0] or "application/octet-stream"
        return URLFetcherResponse(
            url, Path(found).read_bytes(), headers={"Content-Type": mime_type}
        )


def render_pdf(result: dict) -> bytes:
    """The PDF download, from the same HTML document as the HTML download."""
    document = render_document_html(result, for_pdf=True)
    return HTML(
        string=document, base_url=BASE_URL, url_fetcher=StaticOnlyURLFetcher(timeout=5)
    ).write_pdf()
