from rest_framework.routers import DefaultRouter

from receivables import apis

router = DefaultRouter()
router.register("payment-terms", apis.PaymentTermsViewSet, basename="payment-terms")
router.register("contracts", apis.ContractViewSet, basename="contract")
router.register("invoices", apis.InvoiceViewSet, basename="invoice")
router.register("installments", apis.InstallmentViewSet, basename="installment")
router.register("payments", apis.PaymentViewSet, basename="payment")
router.register("allocations", apis.AllocationViewSet, basename="allocation")
router.register("credit-notes", apis.CreditNoteViewSet, basename="credit-note")
router.register("write-offs", apis.WriteOffViewSet, basename="write-off")
router.register("exchange-rates", apis.ExchangeRateViewSet, basename="exchange-rate")

urlpatterns = router.urls
