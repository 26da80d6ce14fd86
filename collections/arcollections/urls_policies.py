"""Page URLs of the dunning configuration (policies, steps, templates), the dunning messages
list and approvals, the on-demand run, and a customer's collections profile."""

from django.urls import path

from arcollections.views import approvals, policies, profile

urlpatterns = [
    path("collections/policies/", policies.policy_list, name="dunning-policy-list"),
    path("collections/policies/new/", policies.policy_create, name="dunning-policy-create"),
    path("collections/policies/<int:pk>/", policies.policy_detail, name="dunning-policy-detail"),
    path("collections/policies/<int:pk>/edit/", policies.policy_edit, name="dunning-policy-edit"),
    path(
        "collections/policies/<int:pk>/steps/new/",
        policies.step_create,
        name="dunning-step-create",
    ),
    path("collections/steps/<int:pk>/edit/", policies.step_edit, name="dunning-step-edit"),
    path("collections/steps/<int:pk>/delete/", policies.step_delete, name="dunning-step-delete"),
    path(
        "collections/steps/<int:pk>/templates/<slug:language>/",
        policies.template_edit,
        name="dunning-template-edit",
    ),
    path("collections/messages/", approvals.message_list, name="dunning-message-list"),
    path("collections/messages/<int:pk>/", approvals.message_detail, name="dunning-message-detail"),
    path(
        "collections/messages/<int:pk>/approve/",
        approvals.message_approve,
        name="dunning-message-approve",
    ),
    path(
        "collections/messages/<int:pk>/reject/",
        approvals.message_reject,
        name="dunning-message-reject",
    ),
    path(
        "collections/messages/<int:pk>/attachments/<int:index>/",
        approvals.message_attachment,
        name="dunning-message-attachment",
    ),
    path("collections/approvals/", approvals.approval_list, name="dunning-approval-list"),
    path("collections/run/", approvals.run_now, name="dunning-run-now"),
    path(
        "customers/<int:pk>/collections/",
        profile.collection_profile,
        name="customer-collections-profile",
    ),
    path(
        "customers/<int:pk>/collections/edit/",
        profile.collection_profile_edit,
        name="customer-collections-profile-edit",
    ),
]
