"""Factories and sample files for the council portal tests."""

import io
import zipfile
from datetime import timedelta

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from councils.portal_models import ChangeKind, ChangeRequest
from programmes.models import DocumentKind, EngagementDocument, StatusChange
from tests.factories_records import EngagementFactory

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

_DOCX_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
    'package/2006/content-types"><Override PartName="/word/document.xml" ContentType="'
    'application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)
_DOCM_TYPES = _DOCX_TYPES.replace(
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    "application/vnd.ms-word.document.macroEnabled.main+xml",
)


def _zip(entries, *, stored_first=False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for index, (name, data) in enumerate(entries):
            compress = zipfile.ZIP_STORED if stored_first and index == 0 else zipfile.ZIP_DEFLATED
            archive.writestr(name, data, compress_type=compress)
    return buffer.getvalue()


def docx_bytes(types=_DOCX_TYPES) -> bytes:
    return _zip([("[Content_Types].xml", types), ("word/document.xml", "<w:document/>")])


def docm_bytes() -> bytes:
    return docx_bytes(_DOCM_TYPES)


def xlsx_bytes() -> bytes:
    from openpyxl import Workbook

    buffer = io.BytesIO()
    workbook = Workbook()
    workbook.active["A1"] = "Budget"
    workbook.save(buffer)
    return buffer.getvalue()


def odt_bytes() -> bytes:
    return _zip(
        [
            ("mimetype", "application/vnd.oasis.opendocument.text"),
            ("content.xml", "<office:document-content/>"),
            ("META-INF/manifest.xml", "<manifest/>"),
        ],
        stored_first=True,
    )


def upload(name: str, data: bytes, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


class DocumentFactory(factory.django.DjangoModelFactory):
    """A stored document (manager's upload, not released by default)."""

    class Meta:
        model = EngagementDocument

    engagement = factory.SubFactory(EngagementFactory)
    kind = DocumentKind.FEEDBACK_LETTER
    file = factory.django.FileField(filename="stored", data=PDF_BYTES)
    original_name = "Feedback letter.pdf"
    content_type = "application/pdf"
    size = len(PDF_BYTES)
    released_to_council = False


class ChangeRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChangeRequest

    engagement = factory.SubFactory(EngagementFactory)
    kind = ChangeKind.POSTPONE
    reason = "Our chief executive is leaving."
    requested_at = factory.LazyFunction(timezone.now)


def status_history(engagement, *statuses, user=None):
    """Record a status history for an engagement (oldest first), one day apart."""
    start = timezone.now() - timedelta(days=len(statuses))
    previous = ""
    for number, status in enumerate(statuses):
        StatusChange.objects.create(
            engagement=engagement,
            from_status=previous,
            to_status=status,
            changed_by=user,
            changed_at=start + timedelta(days=number),
        )
        previous = status
    engagement.status = previous
    engagement.save(update_fields=["status"])
    return engagement
