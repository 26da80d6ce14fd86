"""Page URLs of credit scoring."""

from credit import views

urlpatterns = views.urlpatterns
