"""The pages a customer reaches through a signed link, without an account (see links.py)."""

from django.urls import path

from statements import public_views

urlpatterns = [
    path("s/<int:pk>/<str:token>/", public_views.statement_reply, name="statement-reply"),
    path(
        "s/<int:pk>/<str:token>/pdf/", public_views.statement_reply_pdf, name="statement-reply-pdf"
    ),
]
