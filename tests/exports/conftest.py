import csv
import io
from datetime import datetime

import openpyxl
from django.db import connection
from django.test.utils import CaptureQueriesContext


def content_of(response) -> bytes:
    """The whole body of a streamed (CSV) or file (XLSX) response."""
    return b"".join(response.streaming_content)


def csv_rows(content: bytes) -> list[list[str]]:
    assert content.startswith("\ufeff".encode()), "CSV without a byte-order mark"
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def xlsx_sheet(content: bytes):
    return openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]


def xlsx_rows(content: bytes) -> list[list]:
    """The cell values; dates come back as dates (openpyxl reads datetimes)."""
    return [
        [value.date() if isinstance(value, datetime) else value for value in row]
        for row in xlsx_sheet(content).iter_rows(values_only=True)
    ]


def rows_of(response, file_format: str) -> list[list]:
    content = content_of(response)
    return csv_rows(content) if file_format == "csv" else xlsx_rows(content)


def queries_to_export(client, url: str) -> int:
    """The SQL queries a download costs, the streamed body included."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
        assert response.status_code == 200, f"GET {url} answered {response.status_code}"
        content_of(response)
    return len(captured)
