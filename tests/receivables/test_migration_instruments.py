"""Upgrading a database that already holds bank acceptance bills: migration 0005 gives them the
number and maturity the new constraint requires instead of failing on them."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("receivables", "0004_dispute_reason_owner_outcome"), ("reconciliation", None)]
AFTER = [
    ("receivables", "0005_bank_charges_and_payment_instruments"),
    ("reconciliation", "0001_initial"),
]


@pytest.mark.django_db(transaction=True)
def test_bills_recorded_before_the_upgrade_get_their_number_and_maturity():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old_apps = executor.loader.project_state(BEFORE[0]).apps
    Customer = old_apps.get_model("customers", "Customer")
    Payment = old_apps.get_model("receivables", "Payment")
    customer = Customer.objects.create(
        code="MIG-1", legal_name="迁移测试有限公司", currency="CNY", country="CN"
    )
    bill = Payment.objects.create(
        number="RCV-2025-000001",
        customer=customer,
        received_on=date(2025, 6, 11),
        amount=Decimal("100.00"),
        currency="CNY",
        method="bank_acceptance_bill",
        reference="电子银承 300290548056036224293176103490",
        unapplied_amount=Decimal("100.00"),
    )
    transfer = Payment.objects.create(
        number="RCV-2025-000002",
        customer=customer,
        received_on=date(2025, 6, 12),
        amount=Decimal("50.00"),
        currency="CNY",
        method="bank_transfer",
        reference="2025061200001",
        unapplied_amount=Decimal("50.00"),
    )

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new_apps = executor.loader.project_state(AFTER[0]).apps
    Payment = new_apps.get_model("receivables", "Payment")

    bill = Payment.objects.get(pk=bill.pk)
    assert bill.instrument_number == "300290548056036224293176103490"
    assert bill.instrument_matures_on == date(2025, 12, 11)
    transfer = Payment.objects.get(pk=transfer.pk)
    assert (transfer.instrument_number, transfer.instrument_matures_on) == ("", None)
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
