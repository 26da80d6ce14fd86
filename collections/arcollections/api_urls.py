"""Collections endpoints under /api/v1/ (namespace "api")."""

from rest_framework.routers import DefaultRouter

from arcollections import apis

router = DefaultRouter()
router.register("dunning-policies", apis.DunningPolicyViewSet, basename="dunning-policy")
router.register("dunning-steps", apis.DunningStepViewSet, basename="dunning-step")
router.register("dunning-templates", apis.DunningTemplateViewSet, basename="dunning-template")
router.register("dunning-messages", apis.DunningMessageViewSet, basename="dunning-message")
router.register("worklist", apis.WorklistViewSet, basename="worklist")
router.register("activities", apis.ActivityViewSet, basename="activity")
router.register("promises", apis.PromiseViewSet, basename="promise")
router.register("disputes", apis.DisputeViewSet, basename="dispute")
router.register("fee-invoices", apis.FeeInvoiceViewSet, basename="fee-invoice")

urlpatterns = router.urls
