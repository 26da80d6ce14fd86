from rest_framework.routers import DefaultRouter

from customers.apis import ContactViewSet, CreditChangeRequestViewSet, CustomerViewSet

router = DefaultRouter()
router.register("customers", CustomerViewSet, basename="customer")
router.register("contacts", ContactViewSet, basename="contact")
router.register("credit-requests", CreditChangeRequestViewSet, basename="credit-request")

urlpatterns = router.urls
