from rest_framework.routers import DefaultRouter

from customers.apis import ContactViewSet, CustomerViewSet

router = DefaultRouter()
router.register("customers", CustomerViewSet, basename="customer")
router.register("contacts", ContactViewSet, basename="contact")

urlpatterns = router.urls
