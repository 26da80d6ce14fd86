from django.urls import path

from dataimport import views

urlpatterns = [
    path("imports/", views.import_list, name="import-list"),
    path("imports/new/", views.import_create, name="import-create"),
    path("imports/<int:pk>/", views.import_detail, name="import-detail"),
    path("imports/<int:pk>/run/", views.import_run, name="import-run"),
    path("imports/<int:pk>/cancel/", views.import_cancel, name="import-cancel"),
    path(
        "imports/templates/<str:kind>.<str:file_format>",
        views.import_template,
        name="import-template",
    ),
]
