"""The pages a customer opens from a statement's signed link, without an account: the statement
with its reply form (or the recorded reply), and the stored PDF. A link that does not verify
gets the same page whatever the id, so nothing about any statement leaks; an expired one says
so and how to reach us. Pages render in the statement's language, not the visitor's."""

from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from core.exceptions import ApplicationError
from core.forms import add_application_error
from core.selectors import company_profile
from statements.forms import StatementReplyForm
from statements.links import LinkExpired, LinkInvalid, statement_for_link
from statements.models import ConfirmationReply, Statement
from statements.selectors import reply_contested_items, statement_as_sent
from statements.services import statement_reply_record


def _private(response):
    # The token is the key to the page: keep it out of other sites' Referer headers and out of
    # search indexes. ("no-referrer" would make Chromium send `Origin: null` with the reply
    # form, which Django's CSRF check rightly refuses.)
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _refused(request, error: Exception):
    if isinstance(error, LinkExpired):
        template, status = "statements/public/link_expired.html", 410
    else:
        template, status = "statements/public/link_invalid.html", 404
    company = company_profile()
    context = {"company": company, "company_name": company.name_in(translation.get_language())}
    return _private(render(request, template, context, status=status))


def _page(request, statement: Statement, form=None, *, status=200):
    reply = ConfirmationReply.objects.filter(statement=statement).first()
    soa = statement_as_sent(statement)
    context = {
        "statement": statement,
        "soa": soa,
        "company": soa.company,
        "company_name": soa.company.name_in(statement.language),
        "reply": reply,
        "contested_items": reply_contested_items(reply) if reply else [],
        "thanks": reply is not None and request.GET.get("replied") == "1",
        "token": request.resolver_match.kwargs["token"],
        "form": None,
    }
    if reply is None:
        context["form"] = form or StatementReplyForm(statement_of_account=context["soa"])
    return _private(render(request, "statements/public/reply.html", context, status=status))


def _client_ip(request) -> str:
    # REMOTE_ADDR is the peer the server saw; behind a reverse proxy configure the proxy (or the
    # WSGI server) to set it from X-Forwarded-For (docs/balance-confirmation.md).
    return request.META.get("REMOTE_ADDR") or "0.0.0.0"


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def statement_reply(request, pk: int, token: str):
    try:
        statement = statement_for_link(pk=pk, token=token)
    except (LinkInvalid, LinkExpired) as error:
        return _refused(request, error)
    with translation.override(statement.language):
        if request.method != "POST":
            return _page(request, statement)
        form = StatementReplyForm(request.POST, statement_of_account=statement_as_sent(statement))
        if form.is_valid():
            try:
                statement_reply_record(
                    statement=statement,
                    ip_address=_client_ip(request),
                    user_agent=request.META.get("HTTP_USER_AGENT", ""),
                    **form.service_arguments(),
                )
            except ApplicationError as error:
                if error.code == "already_replied":
                    # Answered meanwhile (another tab, a colleague): show that answer instead.
                    return redirect(request.path)
                add_application_error(form, error)
                return _page(request, statement, form, status=400)
            return redirect(f"{request.path}?replied=1")
        return _page(request, statement, form, status=400)


@never_cache
@require_safe
def statement_reply_pdf(request, pk: int, token: str):
    try:
        statement = statement_for_link(pk=pk, token=token)
    except (LinkInvalid, LinkExpired) as error:
        return _refused(request, error)
    statement.pdf.open("rb")
    filename = f"{statement.customer.code}-{statement.period_end:%Y-%m}.pdf"
    return _private(
        FileResponse(
            statement.pdf, as_attachment=True, filename=filename, content_type="application/pdf"
        )
    )
