"""Import pages (Finance and Admin): the list of jobs, the upload, the job's preview and
progress, the import and the template downloads."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import capability_required
from accounts.roles import Capability
from core.exceptions import ApplicationError
from core.forms import add_application_error
from core.pages import paginate
from dataimport.forms import ImportUploadForm
from dataimport.models import ImportJob
from dataimport.registry import resource_class
from dataimport.selectors import import_jobs_visible_to
from dataimport.services import import_job_cancel, import_job_create, import_job_run

may_import = capability_required(Capability.IMPORT_DATA)
TEMPLATE_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@may_import
def import_list(request):
    page = paginate(request, import_jobs_visible_to(request.user))
    return render(request, "dataimport/list.html", {"page": page, "kinds": ImportJob.Kind})


@may_import
def import_create(request):
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = import_job_create(
                actor=request.user,
                kind=form.cleaned_data["kind"],
                upload=form.cleaned_data["file"],
                go_live_on=form.cleaned_data["go_live_on"],
            )
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            return redirect("import-detail", pk=job.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "dataimport/new.html",
        {"form": form, "kinds": ImportJob.Kind},
        status=status,
    )


def _job(request, pk) -> ImportJob:
    return get_object_or_404(import_jobs_visible_to(request.user), pk=pk)


@may_import
def import_detail(request, pk):
    job = _job(request, pk)
    template = "dataimport/_progress.html" if request.headers.get("HX-Request") else None
    context = {"job": job, "running": job.status in (job.Status.VALIDATING, job.Status.IMPORTING)}
    return render(request, template or "dataimport/detail.html", context)


@may_import
@require_POST
def import_run(request, pk):
    job = _job(request, pk)
    try:
        import_job_run(actor=request.user, job=job)
    except ApplicationError as error:
        messages.error(request, error.message)
    return redirect("import-detail", pk=job.pk)


@may_import
@require_POST
def import_cancel(request, pk):
    job = _job(request, pk)
    try:
        import_job_cancel(actor=request.user, job=job)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The import was cancelled."))
    return redirect("import-detail", pk=job.pk)


@may_import
def import_template(request, kind, file_format):
    if kind not in ImportJob.Kind.values or file_format not in TEMPLATE_TYPES:
        raise Http404
    resource = resource_class(kind)
    content = resource.template_xlsx() if file_format == "xlsx" else resource.template_csv()
    response = HttpResponse(content, content_type=TEMPLATE_TYPES[file_format])
    response["Content-Disposition"] = f'attachment; filename="{kind}-template.{file_format}"'
    return response
