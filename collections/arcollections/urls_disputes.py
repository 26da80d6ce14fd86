"""Dispute pages and the late-interest fee invoice page."""

from django.urls import path

from arcollections.views import disputes

urlpatterns = [
    path("collections/disputes/", disputes.dispute_list, name="dispute-list"),
    path("collections/disputes/new/", disputes.dispute_create, name="dispute-create"),
    path("collections/disputes/<int:pk>/", disputes.dispute_detail, name="dispute-detail"),
    path("collections/disputes/<int:pk>/assign/", disputes.dispute_assign, name="dispute-assign"),
    path(
        "collections/disputes/<int:pk>/resolve/",
        disputes.dispute_resolve,
        name="dispute-resolve",
    ),
    path("collections/fees/new/", disputes.fee_invoice_new, name="fee-invoice-create"),
]
