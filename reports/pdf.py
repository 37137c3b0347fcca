"""HTML to PDF with WeasyPrint, reaching nothing but our own static files.

WeasyPrint's default fetcher reads any file:// path, follows http(s) links and embeds
`<link rel=attachment>` targets, so text a respondent typed could otherwise pull
/etc/passwd or an internal URL into a PDF. Templates escape every answer, and this fetcher
is the second wall: whatever slips into the HTML, only files under STATIC_URL load.
"""

import logging
import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

import weasyprint
from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from weasyprint.urls import URLFetcher, URLFetcherResponse

logger = logging.getLogger(__name__)

# Relative URLs in the report resolve against this made-up origin: nothing can be fetched from
# it, so a URL either maps onto a static file or is refused.
BASE_URL = "https://report.invalid/"


class StaticFilesOnly(URLFetcher):
    """Serves `BASE_URL` + STATIC_URL paths from the static files and refuses everything else
    (file:, http:, data: and paths that climb out of the static folders). Refused URLs are
    kept in `refused`, for the log and for tests."""

    def __init__(self):
        super().__init__(allowed_protocols=set())
        self.refused: list[str] = []
        self.prefix = BASE_URL + settings.STATIC_URL.lstrip("/")

    def fetch(self, url, headers=None):
        path = self.static_path(url)
        if path is None:
            self.refused.append(url)
            raise ValueError(f"Only the report's own static files may be loaded, not {url[:200]}")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})

    def static_path(self, url: str) -> Path | None:
        if not url.startswith(self.prefix):
            return None
        parts = urlsplit(url)
        name = unquote(parts.path).removeprefix("/" + settings.STATIC_URL.strip("/") + "/")
        if parts.query or parts.fragment or ".." in name.split("/") or name.startswith("/"):
            return None
        found = finders.find(name)
        if found is None and settings.STATIC_ROOT and staticfiles_storage.exists(name):
            found = staticfiles_storage.path(name)
        if found is None:
            return None
        path = Path(found).resolve()
        roots = [
            Path(root).resolve() for root in [*settings.STATICFILES_DIRS, settings.STATIC_ROOT]
        ]
        if not any(path.is_relative_to(root) for root in roots) or not path.is_file():
            return None
        return path


def pdf_from_html(html: str, *, page_size: str = "A4") -> tuple[bytes, int]:
    """The PDF and its page count. `page_size` fills the template's `@page size` through a
    stylesheet of its own, so the template does not need to know it."""
    fetcher = StaticFilesOnly()
    document = weasyprint.HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).render(
        stylesheets=[weasyprint.CSS(string=f"@page {{ size: {page_size}; }}")]
    )
    if fetcher.refused:
        logger.warning(
            "report refused %d URL(s), first %.200s", len(fetcher.refused), fetcher.refused[0]
        )
    return document.write_pdf(), len(document.pages)
