"""Demo bank data: an account and one imported statement drawn by the benchmark's generator
from the demo ledger's open installments, matched, so the review queue has work in it."""

import random
from datetime import date

from reconciliation.benchmark import (
    OUR_COMPANY,
    StatementGenerator,
    ledger_snapshot,
    remember_known_payers,
    statement_csv,
)
from reconciliation.models import BankAccount, BankStatementImport
from reconciliation.services.imports import bank_statement_import
from reconciliation.services.matching import bank_lines_match

DEMO_ACCOUNT_CODE = "CMB-BASIC"
DEMO_LINES = 40


def load_reconciliation_demo(*, seed: int, as_of: date) -> BankStatementImport | None:
    """A 招商银行 基本户 and ~40 lines of its latest statement (credits from demo customers,
    interest, refunds, debits), imported and matched: some applied, some suggested, some left
    for a person. None when there is no open installment to pay."""
    rng = random.Random(seed)
    snapshot = ledger_snapshot(customers=None, rng=rng)
    if not snapshot:
        return None
    account, _created = BankAccount.objects.get_or_create(
        code=DEMO_ACCOUNT_CODE,
        defaults={
            "name": "招商银行 基本户",
            "bank_name": "招商银行上海分行",
            "account_number": "755912345610801",
            "currency": "CNY",
        },
    )
    generator = StatementGenerator(rng=rng, customers=snapshot, as_of=as_of)
    lines = generator.generate(DEMO_LINES)
    remember_known_payers(generator.known_payers.values())
    content = statement_csv(lines, account_number=account.account_number, account_name=OUR_COMPANY)
    result = bank_statement_import(
        actor=None, account=account, file_name=f"招商银行交易明细-{as_of:%Y%m}.csv", content=content
    )
    bank_lines_match(statement_import_id=result.statement_import.pk)
    return result.statement_import
