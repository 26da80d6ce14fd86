"""Shared set-up of the collections tests: the seeded dunning policies (put back after a
transactional test flushed them) and a customer with a reminder contact and invoices due on
chosen dates."""

import importlib
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.apps import apps

from arcollections.models import DunningPolicy
from tests.factories import ContactFactory, CustomerFactory, PaymentTermsFactory, issued_invoice

_seed = importlib.import_module("arcollections.migrations.0002_seed_dunning_policies")


def seed_policies() -> None:
    """The policies, steps and templates of the data migration (idempotent)."""
    _seed.seed_policies(apps, None)


@pytest.fixture
def standard_policy(db) -> DunningPolicy:
    """The seeded default policy: −3, +1, +7 e-mails, +15 call, +30 e-mail with statement, +60
    demand (approval), +90 legal (approval)."""
    seed_policies()
    return DunningPolicy.objects.get(code="STANDARD")


@pytest.fixture
def net30(db):
    return PaymentTermsFactory(code="NET30", name="Net 30", net_days=30)


def invoice_due(customer, *, actor, due: date, amount=Decimal("1000.00"), terms=None):
    """An issued invoice (one installment) of `amount` due on `due` (net 30)."""
    terms = terms or PaymentTermsFactory(code="NET30", name="Net 30", net_days=30)
    return issued_invoice(
        customer, actor=actor, amount=amount, issue_date=due - timedelta(days=30), terms=terms
    )


def dunned_customer(*, owner=None, language="zh-hans", email=None, **fields):
    """A customer with one contact receiving reminders by e-mail."""
    customer = CustomerFactory(owner=owner, language=language, **fields)
    ContactFactory(
        customer=customer,
        name="王经理" if language == "zh-hans" else "Ms. Smith",
        email=email or f"ar-{customer.code.lower()}@example.cn",
        receives_reminders=True,
        is_primary=True,
    )
    return customer
