"""Page URLs for editing the customer archive (customer and contact forms, credit requests)."""

from customers import credit_views, views

urlpatterns = [*views.urlpatterns, *credit_views.urlpatterns]
