"""The letterhead every PDF carries (core.pdf): the company profile from the admin, its logo
read from MEDIA_ROOT, and no resource fetched from anywhere but our own folders."""

import subprocess
from datetime import UTC, date, datetime
from io import BytesIO

import pytest
from django.contrib.admin.sites import site
from django.core.files.base import ContentFile
from django.test import RequestFactory
from PIL import Image

from core.models import CompanyProfile
from core.pdf import PDF_TEMPLATE_DIR, LocalOnlyURLFetcher, page_counter_css, render_pdf
from statements.documents import statement_pdf
from statements.selectors import statement_of_account
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

GENERATED_AT = datetime(2026, 2, 3, 1, 30, tzinfo=UTC)


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def png_logo() -> ContentFile:
    buffer = BytesIO()
    Image.new("RGB", (120, 40), (31, 56, 100)).save(buffer, format="PNG")
    return ContentFile(buffer.getvalue(), name="logo.png")


@pytest.fixture
def profile(media_root):
    profile = CompanyProfile(
        name="宁波甬江实业有限公司",
        name_en="Ningbo Yongjiang Industrial Co., Ltd.",
        address="宁波市江北区人民路1号",
        address_en="1 Renmin Road, Jiangbei, Ningbo",
        phone="0574-8888 1234",
        email="finance@yongjiang.example",
        uscc="91330200MA2XXXXX0X",
        bank_name="宁波银行江北支行",
        bank_account_name="宁波甬江实业有限公司",
        bank_account_number="5101 2345 6789",
    )
    profile.logo.save("logo.png", png_logo(), save=False)
    profile.save()
    return profile


def run(tool: str, pdf: bytes, tmp_path, *args: str) -> str:
    path = tmp_path / "document.pdf"
    path.write_bytes(pdf)
    command = [tool, *args, str(path)] + (["-"] if tool == "pdftotext" else [])
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def statement_for(customer, language: str) -> bytes:
    account = statement_of_account(
        customer=customer, period_start=date(2026, 1, 1), period_end=date(2026, 1, 31)
    )
    return statement_pdf(
        account,
        language=language,
        confirmation_kind="positive",
        reply_url="http://testserver/r/",
        reply_due_on=date(2026, 2, 18),
        generated_at=GENERATED_AT,
    )


def test_saved_profile_and_its_logo_are_printed_in_the_readers_language(profile, tmp_path):
    customer = CustomerFactory()
    english = statement_for(customer, "en")
    text = " ".join(run("pdftotext", english, tmp_path, "-layout").split())

    assert "Ningbo Yongjiang Industrial Co., Ltd." in text
    assert "1 Renmin Road, Jiangbei, Ningbo" in text
    assert "Unified social credit code 91330200MA2XXXXX0X" in text
    assert "Bank 宁波银行江北支行 Account number 5101 2345 6789" in text
    images = run("pdfimages", english, tmp_path, "-list").splitlines()[2:]
    assert [line.split()[3:5] for line in images] == [["120", "40"]]

    chinese = run("pdftotext", statement_for(customer, "zh-hans"), tmp_path)
    assert "宁波甬江实业有限公司" in chinese
    assert "宁波市江北区人民路1号" in chinese


def test_without_a_logo_nothing_is_fetched(media_root, tmp_path):
    pdf = statement_for(CustomerFactory(), "en")

    assert run("pdfimages", pdf, tmp_path, "-list").splitlines()[2:] == []


def test_fetcher_refuses_the_network_and_files_outside_our_folders(media_root, tmp_path):
    fetcher = LocalOnlyURLFetcher()

    for url in ("http://example.com/logo.png", "https://example.com/x.css", "ftp://h/x"):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    with pytest.raises(ValueError):
        fetcher.fetch("file:///etc/passwd")
    with pytest.raises(ValueError):
        fetcher.fetch((PDF_TEMPLATE_DIR / ".." / ".." / "config" / "settings.py").as_uri())
    assert fetcher.fetch((PDF_TEMPLATE_DIR / "pdf.css").as_uri()).url.endswith("/pdf.css")


@pytest.mark.parametrize("where", ["remote", "outside"])
def test_a_logo_from_elsewhere_is_left_out(media_root, tmp_path, where):
    outside = tmp_path / "elsewhere.png"
    outside.write_bytes(png_logo().read())
    logo_url = {"remote": "http://127.0.0.1:9/logo.png", "outside": outside.as_uri()}[where]

    pdf = render_pdf(
        "pdf/base.html",
        {"logo_url": logo_url, "company_name": "回款示范有限公司"},
        language="en",
        generated_at=GENERATED_AT,
    )

    assert run("pdfimages", pdf, tmp_path, "-list").splitlines()[2:] == []
    assert "回款示范有限公司" in run("pdftotext", pdf, tmp_path)


def test_the_same_logo_inside_media_root_is_printed(media_root, tmp_path):
    inside = media_root / "company" / "logo.png"
    inside.parent.mkdir(parents=True)
    inside.write_bytes(png_logo().read())

    pdf = render_pdf(
        "pdf/base.html", {"logo_url": inside.as_uri()}, language="en", generated_at=GENERATED_AT
    )

    assert len(run("pdfimages", pdf, tmp_path, "-list").splitlines()[2:]) == 1


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", '"Page " counter(page) " of " counter(pages)'),
    ],
)
def test_page_counter_follows_the_catalogue(language, expected):
    from django.utils import translation

    with translation.override(language):
        assert page_counter_css() == expected


def test_admin_keeps_one_profile(profile, admin_user_):
    admin_user_.is_staff = True
    admin_user_.is_superuser = True
    request = RequestFactory().get("/admin/")
    request.user = admin_user_
    model_admin = site._registry[CompanyProfile]

    assert model_admin.has_add_permission(request) is False
    assert model_admin.has_delete_permission(request, profile) is False
    assert model_admin.has_change_permission(request, profile) is True
    CompanyProfile.objects.all().delete()
    assert model_admin.has_add_permission(request) is True
