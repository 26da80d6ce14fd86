"""The accuracy benchmark end to end on a small demo ledger: its figures parse, meet the
targets, and the database is exactly as before."""

import re
from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from receivables import demo_data
from receivables.models import Payment
from reconciliation.models import BankLine, MatchSuggestion, PayerLink

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_ledger():
    demo_data.seed_demo(customers=120, seed=42, as_of=date(2026, 6, 30))


def _figure(output, label):
    match = re.search(rf"^{label}\s*:\s*([\d.]+)% \((\d+)/(\d+)\)", output, re.MULTILINE)
    assert match, output
    return float(match.group(1)), int(match.group(2)), int(match.group(3))


def test_benchmark_meets_its_targets_and_leaves_the_database_unchanged(demo_ledger):
    payments = Payment.objects.count()
    out = StringIO()

    call_command("reconciliation_benchmark", "--seed", "3", "--lines", "250", stdout=out)

    output = out.getvalue()
    identified = _figure(output, "customer identified")
    precision = _figure(output, "auto-applied precision")
    recall = _figure(output, "auto-applied recall")
    coverage = _figure(output, "suggestion coverage")
    assert identified[2] > 50 and recall[2] > 40
    assert precision[0] >= 99.5 and recall[0] >= 85 and coverage[0] >= 95
    assert identified[0] >= 90
    assert "targets met" in output
    assert re.search(r"^timing\s*: import [\d.]+ s, matching [\d.]+ s", output, re.MULTILINE)
    assert Payment.objects.count() == payments
    assert not BankLine.objects.exists()
    assert not MatchSuggestion.objects.exists() and not PayerLink.objects.exists()


def test_benchmark_without_open_items_says_what_to_do():
    with pytest.raises(CommandError, match="seed_demo"):
        call_command("reconciliation_benchmark", "--lines", "10", stdout=StringIO())
