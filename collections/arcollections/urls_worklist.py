"""Collector pages: the worklist, logging activities, completing dunning tasks, promises."""

from django.urls import path

from arcollections.views import activities, worklist

urlpatterns = [
    path("collections/worklist/", worklist.collections_worklist, name="collections-worklist"),
    path(
        "customers/<int:pk>/collections/activities/new/",
        activities.activity_create,
        name="activity-create",
    ),
    path(
        "customers/<int:pk>/collections/promises/new/",
        activities.promise_create_view,
        name="promise-create",
    ),
    path(
        "collections/promises/<int:pk>/cancel/",
        activities.promise_cancel_view,
        name="promise-cancel",
    ),
    path(
        "collections/tasks/<int:pk>/complete/",
        activities.task_complete,
        name="dunning-task-complete",
    ),
]
