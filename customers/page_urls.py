"""Page URLs for editing the customer archive (customer and contact forms)."""

from customers import views

urlpatterns = views.urlpatterns
