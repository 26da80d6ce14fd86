"""Import pages: Finance and Admin only; upload → preview → import; template downloads."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from customers.models import Customer
from dataimport.models import ImportJob
from dataimport.services import import_job_create

pytestmark = pytest.mark.django_db

GOOD = "客户编码,客户名称,币种\nP001,甲公司,CNY\nP002,乙公司,USD\n".encode("gbk")
BAD = "客户编码,客户名称,币种\nP001,甲公司,XYZ\n".encode()


def upload(content=GOOD, name="c.csv"):
    return SimpleUploadedFile(name, content, content_type="text/csv")


@pytest.mark.parametrize("role_user", ["sales_user", "manager_user", "auditor_user"])
@pytest.mark.parametrize("url", ["/imports/", "/imports/new/", "/imports/templates/customers.csv"])
def test_other_roles_get_403(client, request, role_user, url):
    client.force_login(request.getfixturevalue(role_user))
    assert client.get(url).status_code == 403


def test_other_roles_cannot_upload(client, sales_user):
    client.force_login(sales_user)
    response = client.post("/imports/new/", {"kind": "customers", "file": upload()})
    assert response.status_code == 403
    assert ImportJob.objects.count() == 0


@pytest.mark.parametrize("role_user", ["finance_user", "admin_user_"])
def test_upload_preview_and_import(client, request, role_user):
    user = request.getfixturevalue(role_user)
    client.force_login(user)

    response = client.post("/imports/new/", {"kind": "customers", "file": upload()})

    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/imports/{job.pk}/"
    page = client.get(f"/imports/{job.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-count="new">2<' in page
    assert 'id="import-run"' in page
    assert Customer.objects.count() == 0

    response = client.post(f"/imports/{job.pk}/run/")

    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert job.imported_by == user
    assert sorted(Customer.objects.values_list("code", "currency")) == [
        ("P001", "CNY"),
        ("P002", "USD"),
    ]
    listing = client.get("/imports/").content.decode()
    assert f'data-import="{job.pk}"' in listing


def test_preview_with_errors_shows_row_column_reason_and_no_import_button(client, finance_user):
    client.force_login(finance_user)
    client.post("/imports/new/", {"kind": "customers", "file": upload(BAD)})
    job = ImportJob.objects.get()

    page = client.get(f"/imports/{job.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "<td>2</td><td>币种</td>" in page
    assert 'id="import-run"' not in page
    assert client.post(f"/imports/{job.pk}/run/").status_code == 302
    job.refresh_from_db()
    assert job.status == ImportJob.Status.PREVIEWED
    assert Customer.objects.count() == 0


def test_invalid_upload_rerenders_with_field_error(client, finance_user):
    client.force_login(finance_user)
    response = client.post(
        "/imports/new/", {"kind": "customers", "file": upload(b"x", name="c.pdf")}
    )
    assert response.status_code == 400
    assert 'data-field-error="file"' in response.content.decode()
    assert ImportJob.objects.count() == 0


def test_opening_balances_need_the_go_live_date(client, finance_user):
    client.force_login(finance_user)
    response = client.post("/imports/new/", {"kind": "opening_balances", "file": upload()})
    assert response.status_code == 400
    assert 'data-field-error="go_live_on"' in response.content.decode()
    assert ImportJob.objects.count() == 0


def test_cancel_a_previewed_job(client, finance_user):
    job = import_job_create(actor=finance_user, kind="customers", upload=upload())
    client.force_login(finance_user)
    client.post(f"/imports/{job.pk}/cancel/")
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CANCELLED
    assert not job.can_import()


def test_xlsx_template_has_both_languages_and_the_example(client, finance_user):
    client.force_login(finance_user)
    response = client.get("/imports/templates/customers.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert sheet["A1"].value == "客户编码 / Customer code"
    assert sheet["A2"].value == "C0001"


def test_csv_template_reimports_cleanly(client, finance_user):
    client.force_login(finance_user)
    response = client.get("/imports/templates/customers.csv")
    assert response.content.startswith(b"\xef\xbb\xbf")
    job = import_job_create(actor=finance_user, kind="customers", upload=upload(response.content))
    # The example names a sales rep and payment terms this database does not have.
    assert {e["column"] for e in job.errors} == {
        "销售负责人 / Sales rep",
        "付款条件 / Payment terms",
    }


def test_job_list_query_count_is_constant(client, finance_user, django_assert_num_queries):
    from tests.pages import queries_to_render

    import_job_create(actor=finance_user, kind="customers", upload=upload())
    client.force_login(finance_user)
    few = queries_to_render(client, "/imports/")
    for _ in range(5):
        import_job_create(actor=finance_user, kind="customers", upload=upload())
    assert queries_to_render(client, "/imports/") == few
