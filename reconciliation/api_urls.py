"""Reconciliation endpoints under /api/v1/ (namespace "api")."""

from rest_framework.routers import DefaultRouter

from reconciliation import apis

router = DefaultRouter()
router.register("bank-accounts", apis.BankAccountViewSet, basename="bank-account")
router.register("bank-statements", apis.BankStatementViewSet, basename="bank-statement")
router.register("bank-lines", apis.BankLineViewSet, basename="bank-line")

urlpatterns = router.urls
