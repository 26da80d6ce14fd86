"""Which importer reads which kind of file."""

from importlib import import_module

from dataimport.importers.base import HuikuanResource
from dataimport.models import ImportJob

RESOURCES = {
    ImportJob.Kind.CUSTOMERS: "dataimport.importers.customers.CustomerResource",
    ImportJob.Kind.CONTRACTS: "dataimport.importers.contracts.ContractResource",
    ImportJob.Kind.INVOICES: "dataimport.importers.invoices.InvoiceResource",
    ImportJob.Kind.PAYMENTS: "dataimport.importers.payments.PaymentResource",
    ImportJob.Kind.OPENING_BALANCES: "dataimport.importers.opening_balances.OpeningBalanceResource",
}


def resource_class(kind: str) -> type[HuikuanResource]:
    """The Resource class importing `kind` (imported lazily: each importer pulls in its app)."""
    module_name, class_name = RESOURCES[kind].rsplit(".", 1)
    return getattr(import_module(module_name), class_name)
