"""Test data. Master data via factory_boy; ledger documents through the real services, so tests
exercise the same paths as users."""

from datetime import date
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from stdnum.cn import uscc as stdnum_uscc

from accounts.roles import Role
from customers.models import Contact, Customer
from receivables import services
from receivables.models import PaymentTerms


def valid_uscc(serial: int) -> str:
    body = f"91110000{serial:09d}"
    return body + stdnum_uscc.calc_check_digit(body)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", "pw-for-tests-123")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if extracted:
            # get_or_create: transactional tests flush the groups the data migration made.
            self.groups.add(Group.objects.get_or_create(name=Role(extracted).value)[0])
        self.save()


class PaymentTermsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PaymentTerms
        django_get_or_create = ("code",)

    code = "NET30"
    name = "Net 30"
    net_days = 30


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    code = factory.Sequence(lambda n: f"C{n:05d}")
    legal_name = factory.Sequence(lambda n: f"上海测试贸易有限公司{n}")
    short_name = factory.Sequence(lambda n: f"测试{n}")
    country = "CN"
    uscc = factory.Sequence(valid_uscc)
    currency = "CNY"
    credit_limit = Decimal("100000.00")
    default_payment_terms = factory.SubFactory(PaymentTermsFactory)


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    customer = factory.SubFactory(CustomerFactory)
    name = factory.Sequence(lambda n: f"联系人{n}")
    email = factory.Sequence(lambda n: f"contact{n}@example.cn")
    phone = "+8613800138000"


def issued_invoice(
    customer,
    *,
    actor,
    amount=Decimal("1000.00"),
    issue_date=date(2026, 1, 10),
    terms=None,
    tax_rate=Decimal("0"),
):
    """An issued invoice of one line worth `amount` (before tax)."""
    draft = services.invoice_create_draft(
        actor=actor,
        customer=customer,
        issue_date=issue_date,
        payment_terms=terms,
        lines=[
            {
                "description": "货物",
                "quantity": Decimal("1"),
                "unit_price": amount,
                "tax_rate": tax_rate,
            }
        ],
    )
    return services.invoice_issue(actor=actor, invoice=draft)


def recorded_payment(customer, *, actor, amount=Decimal("1000.00"), received_on=date(2026, 1, 20)):
    return services.payment_record(
        actor=actor, customer=customer, received_on=received_on, amount=amount
    )


def bank_account(code="CMB-BASIC", *, currency="CNY", account_number=None):
    from reconciliation.models import BankAccount

    account, _created = BankAccount.objects.get_or_create(
        code=code,
        defaults={
            "name": "招商银行 基本户",
            "bank_name": "招商银行上海分行",
            "account_number": account_number or f"1219{abs(hash(code)) % 10**10:010d}",
            "currency": currency,
        },
    )
    return account


def bank_line(
    *,
    amount,
    booked_on=date(2026, 2, 1),
    account=None,
    direction="credit",
    counterparty_name="",
    counterparty_account="",
    remittance="",
    bank_reference="",
    currency="CNY",
):
    """A bank line as an import would have stored it (one fixture import per account)."""
    from reconciliation.models import BankLine, BankStatementImport

    account = account or bank_account(currency=currency)
    statement_import, _created = BankStatementImport.objects.get_or_create(
        account=account,
        file_sha256="0" * 64,
        defaults={"file_name": "fixture.csv", "format": "csv"},
    )
    return BankLine.objects.create(
        account=account,
        statement_import=statement_import,
        booked_on=booked_on,
        direction=direction,
        amount=Decimal(amount),
        currency=currency,
        counterparty_name=counterparty_name,
        counterparty_account=counterparty_account,
        remittance=remittance,
        bank_reference=bank_reference,
        dedupe_key=f"fixture-{BankLine.objects.count() + 1}-{bank_reference}",
    )
