"""PDF documents (invoices, statements, letters) from Django templates with WeasyPrint.

Every document is rendered in the reader's language (the customer's, not the signed-in user's)
and is reproducible: the same content and `generated_at` give the same bytes, so a stored PDF's
SHA-256 proves what was sent and a regenerated one can be compared with it. WeasyPrint is
deterministic apart from the document's dates, which are set from `generated_at` here.

Resources (the CSS next to the templates, the letterhead logo in MEDIA_ROOT) are read from disk
only: a document must never make a network request while it renders (a template that names an
http(s) URL would otherwise leak who reads what, and hang a worker when the host is down).
"""

import json
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from rest_framework.renderers import BaseRenderer
from weasyprint import HTML, URLFetcher

from core.models import CompanyProfile

PDF_TEMPLATE_DIR = Path(settings.BASE_DIR) / "templates" / "pdf"


class LocalOnlyURLFetcher(URLFetcher):
    """Fetches files under the PDF templates folder and MEDIA_ROOT (and data: URIs); refuses
    everything else, http(s) included."""

    def __init__(self):
        super().__init__(allowed_protocols={"file", "data"}, allow_redirects=False)
        self.roots = [PDF_TEMPLATE_DIR.resolve(), Path(settings.MEDIA_ROOT).resolve()]

    def fetch(self, url, headers=None):
        if url.startswith("file:"):
            path = Path(_file_url_path(url)).resolve()
            if not any(path.is_relative_to(root) for root in self.roots):
                raise ValueError(f"PDF resource outside the allowed folders: {url}")
        return super().fetch(url, headers)


def _file_url_path(url: str) -> str:
    return unquote(urlsplit(url).path)


def _pdf_date(moment: datetime) -> str:
    """W3C date-time, as WeasyPrint's metadata expects, in UTC so the bytes do not depend on the
    server's time zone."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def css_string(text: str) -> str:
    """`text` as a quoted CSS string (for `content:`)."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
    return f'"{escaped}"'


def page_counter_css() -> str:
    """The footer's page counter as a CSS `content` value in the active language: "Page x of y"
    or "第 x 页 / 共 y 页" (the catalogue decides the word order)."""
    pattern = _("Page {page} of {pages}")
    parts = []
    for chunk in pattern.replace("{pages}", "\0pages\0").replace("{page}", "\0page\0").split("\0"):
        if chunk in ("page", "pages"):
            parts.append(f"counter({chunk})")
        elif chunk:
            parts.append(css_string(chunk))
    return " ".join(parts)


def letterhead(company: CompanyProfile, *, language: str) -> dict:
    """The sender block every document prints, in `language`."""
    logo_url = ""
    if company.logo:
        try:
            logo_url = Path(company.logo.path).resolve().as_uri()
        except (NotImplementedError, ValueError):  # a storage without local paths
            logo_url = ""
    return {
        "company": company,
        "company_name": company.name_in(language),
        "company_address": company.address_in(language),
        "logo_url": logo_url,
    }


def render_pdf(
    template_name: str, context: dict, *, language: str, generated_at: datetime
) -> bytes:
    """Render `template_name` in `language` to PDF bytes; the same context and `generated_at`
    give byte-identical output."""
    with translation.override(language):
        html = render_to_string(
            template_name,
            {
                **context,
                "language": language,
                "generated_at": generated_at,
                "page_counter_css": page_counter_css(),
                "footer_css": css_string(context.get("footer_text", "")),
            },
        )
        document = HTML(
            string=html,
            base_url=PDF_TEMPLATE_DIR.resolve().as_uri() + "/",
            url_fetcher=LocalOnlyURLFetcher(),
        ).render()
    stamp = _pdf_date(generated_at)
    document.metadata.created = stamp
    document.metadata.modified = stamp
    # No random file identifier (/ID): it would make every rendering different.
    return document.write_pdf(pdf_identifier=False, uncompressed_pdf=False)


def pdf_response(pdf: bytes, *, filename: str) -> HttpResponse:
    """A PDF download (Content-Disposition: attachment) for pages and API views alike."""
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Content-Length"] = str(len(pdf))
    return response


class PDFRenderer(BaseRenderer):
    """Lets an API action answer `Accept: application/pdf` (DRF refuses what no renderer
    offers); the action returns the finished bytes in an HttpResponse, so nothing is rendered."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, bytes):
            return data
        # An error (404, 403) answered to a client that asked only for PDF: still readable.
        return json.dumps(data, cls=DjangoJSONEncoder).encode()
