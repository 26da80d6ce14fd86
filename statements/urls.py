"""Statement pages for signed-in staff (the customer's signed-link pages are in public_urls)."""

from django.urls import path

from statements import letter_views, list_views, views

urlpatterns = [
    # Finance's list: statements awaiting a reply, overdue replies, disagreements, confirmed.
    path("statements/", list_views.statement_list, name="statement-list"),
    # Open items whose limitation period ends soon (诉讼时效).
    path("statements/limitation/", list_views.limitation_list, name="limitation-list"),
    path("statements/<int:pk>/", list_views.statement_detail, name="statement-detail"),
    path("statements/<int:pk>/pdf/", views.statement_pdf_download, name="statement-pdf"),
    path("statements/<int:pk>/send/", views.statement_send, name="statement-send"),
    path(
        "customers/<int:pk>/statements/new/",
        views.statement_generate,
        name="customer-statement-generate",
    ),
    path(
        "customers/<int:pk>/letters/<str:kind>.pdf",
        letter_views.customer_letter_pdf,
        name="customer-letter-pdf",
    ),
]
