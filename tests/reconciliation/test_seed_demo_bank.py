"""`make run` loads a demo bank statement once: the review queue has work in it, and a second
start adds nothing."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command

from receivables import demo_data
from reconciliation.models import BankLine, BankStatementImport

pytestmark = pytest.mark.django_db


def test_demo_bank_statement_is_imported_and_matched_once():
    demo_data.seed_demo(customers=40, seed=42, as_of=date(2026, 6, 30))

    out = StringIO()
    call_command("seed_demo_bank", "--as-of", "2026-06-30", stdout=out)
    assert "Demo bank statement imported: 40 lines" in out.getvalue()
    statuses = set(BankLine.objects.values_list("status", flat=True))
    assert BankLine.Status.APPLIED in statuses
    assert statuses & {BankLine.Status.SUGGESTED, BankLine.Status.UNMATCHED}
    assert BankStatementImport.objects.get().match_status == "done"

    again = StringIO()
    call_command("seed_demo_bank", stdout=again)
    assert "already imported" in again.getvalue()
    assert BankStatementImport.objects.count() == 1 and BankLine.objects.count() == 40


def test_without_a_ledger_there_is_nothing_to_import():
    out = StringIO()
    call_command("seed_demo_bank", stdout=out)
    assert "no demo bank statement" in out.getvalue()
    assert not BankStatementImport.objects.exists()
