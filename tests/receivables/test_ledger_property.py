"""Property test: random sequences of invoices, payments, allocations, credit notes, reversals,
refunds, write-offs and bank charges (booked and reversed); after every step every balance
reconciles to the cent, both against the allocation rows and against an independent model kept
in Python, and the statement of account agrees with the ledger at the end."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    invariant,
    rule,
    run_state_machine_as_test,
)

from accounts.roles import Role
from core.exceptions import ApplicationError
from receivables import services
from receivables.models import (
    Allocation,
    BankCharge,
    Installment,
    Invoice,
    Payment,
    PaymentTerms,
    Refund,
)
from receivables.selectors import (
    customer_net_balance,
    customer_open_balance,
    ledger_discrepancies,
    payment_discrepancies,
)
from statements.selectors import statement_of_account
from tests.factories import CustomerFactory, PaymentTermsFactory, UserFactory

CENT = Decimal("0.01")
amounts = st.integers(min_value=1, max_value=500_000).map(lambda cents: Decimal(cents) * CENT)
fractions = st.sampled_from(
    [Decimal("0.1"), Decimal("0.333"), Decimal("0.5"), Decimal("1"), Decimal("1.2")]
)


class LedgerMachine(RuleBasedStateMachine):
    invoices = Bundle("invoices")
    payments = Bundle("payments")
    allocations = Bundle("allocations")
    bank_charges = Bundle("bank_charges")

    def __init__(self):
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.finance = UserFactory(username="p_finance", role=Role.FINANCE)
        self.manager = UserFactory(username="p_manager", role=Role.MANAGER)
        self.approver = UserFactory(username="p_manager2", role=Role.MANAGER)
        self.customer = CustomerFactory()
        self.net30 = self.customer.default_payment_terms
        self.split = PaymentTermsFactory(
            code="SPLIT", name="30/30/40", basis=PaymentTerms.Basis.END_OF_MONTH
        )
        services.payment_terms_update(
            actor=self.finance,
            terms=self.split,
            schedule=[
                {"percent": Decimal("30"), "days": 30},
                {"percent": Decimal("30"), "days": 60},
                {"percent": Decimal("40"), "days": 90},
            ],
        )
        self.today = date(2026, 1, 1)
        # The independent model: what each installment and payment should hold.
        self.expected_open: dict[int, Decimal] = {}
        self.expected_unapplied: dict[int, Decimal] = {}
        self.invoiced = Decimal(0)
        # Applied payments + credit notes + write-offs + bank charges, net of reversals.
        self.reduced = Decimal(0)

    def teardown(self):
        self._check_statements_against_the_ledger()
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    def _check_statements_against_the_ledger(self):
        # The statement adds up documents by date; the ledger nets open installments against
        # unapplied credit: two computations from different tables, equal at any period end.
        # Checked once per history (at its end, for periods cut at three dates) rather than
        # after every step, which would triple the test's time for no extra dates covered.
        unapplied = sum(self.expected_unapplied.values(), Decimal("0.00"))
        whole = statement_of_account(
            customer=self.customer, period_start=date(2026, 1, 1), period_end=self.today
        )
        assert whole.closing_balances.get("CNY", Decimal("0.00")) == (
            self.invoiced - self.reduced - unapplied
        )
        span = self.today - date(2026, 1, 1)
        cuts = [date(2026, 1, 1) + span * share for share in (0.25, 0.5, 0.75)] + [self.today]
        for period_start, period_end in zip(
            [date(2026, 1, 1)] + [cut + timedelta(days=1) for cut in cuts], cuts, strict=False
        ):
            statement = statement_of_account(
                customer=self.customer, period_start=period_start, period_end=period_end
            )
            assert statement.closing_balances.get("CNY", Decimal("0.00")) == (
                customer_net_balance(customer=self.customer, as_of=period_end).get(
                    "CNY", Decimal("0.00")
                )
            )

    def _tick(self):
        self.today += timedelta(days=1)
        return self.today

    def _attempt(self, operation):
        """Run a service call; if it refuses, nothing in the ledger may have changed."""
        before = self._fingerprint()
        try:
            return operation()
        except ApplicationError:
            assert self._fingerprint() == before
            return None

    def _fingerprint(self):
        return (
            list(Installment.objects.order_by("pk").values_list("pk", "open_amount")),
            list(Payment.objects.order_by("pk").values_list("pk", "unapplied_amount", "status")),
            Allocation.objects.count(),
            Refund.objects.count(),
            list(BankCharge.objects.order_by("pk").values_list("pk", "reversed_on")),
        )

    @rule(
        target=invoices,
        amount=amounts,
        tax=st.sampled_from(["0", "0.06", "0.13"]),
        split=st.booleans(),
    )
    def issue_invoice(self, amount, tax, split):
        day = self._tick()
        draft = services.invoice_create_draft(
            actor=self.finance,
            customer=self.customer,
            issue_date=day,
            payment_terms=self.split if split else self.net30,
            lines=[
                {
                    "description": "item",
                    "quantity": Decimal("1"),
                    "unit_price": amount,
                    "tax_rate": Decimal(tax),
                }
            ],
        )
        invoice = services.invoice_issue(actor=self.finance, invoice=draft)
        for installment in invoice.installments.all():
            self.expected_open[installment.pk] = installment.amount
        self.invoiced += invoice.total
        return invoice.pk

    @rule(target=payments, amount=amounts)
    def record_payment(self, amount):
        payment = services.payment_record(
            actor=self.finance, customer=self.customer, received_on=self._tick(), amount=amount
        )
        self.expected_unapplied[payment.pk] = amount
        return payment.pk

    @rule(target=allocations, payment_id=payments, invoice_id=invoices, share=fractions)
    def allocate(self, payment_id, invoice_id, share):
        installment = Installment.objects.filter(invoice_id=invoice_id).order_by("sequence").first()
        payment = Payment.objects.get(pk=payment_id)
        amount = (installment.open_amount * share).quantize(CENT) or CENT
        created = self._attempt(
            lambda: services.payment_allocate(
                actor=self.finance,
                payment=payment,
                allocations=[(installment.pk, amount)],
                applied_on=self._tick(),
            )
        )
        if not created:
            return None
        self.expected_open[installment.pk] -= amount
        self.expected_unapplied[payment_id] -= amount
        self.reduced += amount
        return created[0].pk

    @rule(payment_id=payments)
    def auto_allocate(self, payment_id):
        payment = Payment.objects.get(pk=payment_id)
        created = self._attempt(
            lambda: services.payment_allocate_auto(
                actor=self.finance, payment=payment, applied_on=self._tick()
            )
        )
        for allocation in created or []:
            self.expected_open[allocation.installment_id] -= allocation.amount
            self.expected_unapplied[payment_id] -= allocation.amount
            self.reduced += allocation.amount

    @rule(allocation_id=consumes(allocations))
    def unallocate(self, allocation_id):
        if allocation_id is None:
            return
        allocation = Allocation.objects.get(pk=allocation_id)
        reversal = self._attempt(
            lambda: services.allocation_reverse(
                actor=self.finance, allocation=allocation, reversed_on=self._tick()
            )
        )
        if reversal is not None:
            self.expected_open[allocation.installment_id] += allocation.amount
            self.expected_unapplied[allocation.payment_id] += allocation.amount
            self.reduced -= allocation.amount

    @rule(payment_id=payments)
    def reverse_payment(self, payment_id):
        payment = Payment.objects.get(pk=payment_id)
        live = list(payment.allocations.filter(reverses__isnull=True, reversed_by__isnull=True))
        live_charges = list(payment.bank_charges.filter(reversed_on__isnull=True))
        reversed_payment = self._attempt(
            lambda: services.payment_reverse(
                actor=self.finance, payment=payment, reversed_on=self._tick(), reason="bounced"
            )
        )
        if reversed_payment is not None:
            for allocation in live:
                self.expected_open[allocation.installment_id] += allocation.amount
                self.reduced -= allocation.amount
            for charge in live_charges:
                self.expected_open[charge.installment_id] += charge.amount
                self.reduced -= charge.amount
            self.expected_unapplied[payment_id] = Decimal("0.00")

    @rule(payment_id=payments, share=fractions)
    def refund(self, payment_id, share):
        payment = Payment.objects.get(pk=payment_id)
        amount = (payment.unapplied_amount * share).quantize(CENT) or CENT
        refund = self._attempt(
            lambda: services.payment_refund(
                actor=self.finance, payment=payment, amount=amount, refunded_on=self._tick()
            )
        )
        if refund is not None:
            self.expected_unapplied[payment_id] -= amount

    @rule(invoice_id=invoices, share=fractions)
    def credit_note(self, invoice_id, share):
        invoice = Invoice.objects.get(pk=invoice_id)
        open_total = invoice.installments.aggregate(t=Sum("open_amount"))["t"]
        amount = (open_total * share).quantize(CENT) or CENT
        before = {i.pk: i.open_amount for i in invoice.installments.all()}
        note = self._attempt(
            lambda: services.credit_note_issue(
                actor=self.finance,
                invoice=invoice,
                amount=amount,
                reason="allowance",
                issue_date=self._tick(),
            )
        )
        if note is not None:
            for allocation in note.allocations.all():
                self.expected_open[allocation.installment_id] -= allocation.amount
            assert (
                sum(before.values()) - amount
                == invoice.installments.aggregate(t=Sum("open_amount"))["t"]
            )
            self.reduced += amount

    @rule(invoice_id=invoices, share=fractions)
    def write_off(self, invoice_id, share):
        installment = (
            Installment.objects.filter(invoice_id=invoice_id).order_by("-sequence").first()
        )
        amount = (installment.open_amount * share).quantize(CENT) or CENT
        request = self._attempt(
            lambda: services.write_off_request(
                actor=self.manager, installment=installment, amount=amount, reason="bad debt"
            )
        )
        if request is None:
            return
        services.write_off_approve(
            actor=self.approver, write_off=request, effective_on=self._tick()
        )
        self.expected_open[installment.pk] -= amount
        self.reduced += amount

    @rule(target=bank_charges, payment_id=payments, invoice_id=invoices, share=fractions)
    def book_bank_charge(self, payment_id, invoice_id, share):
        installment = (
            Installment.objects.filter(invoice_id=invoice_id).order_by("-sequence").first()
        )
        amount = (installment.open_amount * share).quantize(CENT) or CENT
        charge = self._attempt(
            lambda: services.bank_charge_record(
                actor=self.finance,
                payment=Payment.objects.get(pk=payment_id),
                installment=installment,
                amount=amount,
                charged_on=self._tick(),
            )
        )
        if charge is None:
            return None
        self.expected_open[installment.pk] -= amount
        self.reduced += amount
        return charge.pk

    @rule(charge_id=consumes(bank_charges))
    def reverse_bank_charge(self, charge_id):
        if charge_id is None:
            return
        charge = BankCharge.objects.get(pk=charge_id)
        was_live = charge.reversed_on is None
        reversed_charge = self._attempt(
            lambda: services.bank_charge_reverse(
                actor=self.finance, charge=charge, reversed_on=self._tick()
            )
        )
        # A charge its payment's reversal already undid is refused, changing nothing.
        assert (reversed_charge is not None) == was_live
        if reversed_charge is not None:
            self.expected_open[charge.installment_id] += charge.amount
            self.reduced -= charge.amount

    @invariant()
    def balances_reconcile_to_the_cent(self):
        assert not ledger_discrepancies().exists()
        assert not payment_discrepancies().exists()
        stored_open = dict(Installment.objects.values_list("pk", "open_amount"))
        assert stored_open == self.expected_open
        stored_unapplied = dict(Payment.objects.values_list("pk", "unapplied_amount"))
        assert stored_unapplied == self.expected_unapplied
        assert all(0 <= value for value in stored_open.values())
        open_total = sum(stored_open.values(), Decimal("0.00"))
        assert open_total == self.invoiced - self.reduced
        assert (
            customer_open_balance(customer=self.customer).get("CNY", Decimal("0.00")) == open_total
        )

    @invariant()
    def invoice_status_matches_open_amount(self):
        for invoice in Invoice.objects.prefetch_related("installments__allocations"):
            installments = list(invoice.installments.all())
            open_total = sum(i.open_amount for i in installments)
            # What the bank kept of a payment was paid by the customer all the same.
            paid = sum(
                a.amount
                for i in installments
                for a in i.allocations.all()
                if a.kind in (Allocation.Kind.PAYMENT, Allocation.Kind.BANK_CHARGE)
            )
            if open_total > 0:
                expected = Invoice.Status.PARTIALLY_PAID if paid > 0 else Invoice.Status.ISSUED
                assert invoice.status == expected
            else:
                assert invoice.status in (
                    Invoice.Status.PAID,
                    Invoice.Status.WRITTEN_OFF,
                    Invoice.Status.CANCELLED,
                )


@pytest.mark.django_db
def test_random_ledger_histories_always_reconcile():
    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(
            max_examples=40,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
