from rest_framework.routers import DefaultRouter

from statements import apis

router = DefaultRouter()
router.register("statements", apis.StatementViewSet, basename="statement")

urlpatterns = router.urls
