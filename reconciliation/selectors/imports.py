"""Reads of the company's bank accounts, column mappings and statement imports."""

from django.db.models import Count, Q, QuerySet

from reconciliation.models import BankAccount, BankLine, BankStatementImport, ColumnMapping


def bank_accounts_for_list() -> QuerySet[BankAccount]:
    """Every bank account with its column mapping, active first."""
    return BankAccount.objects.select_related("column_mapping").order_by("-is_active", "code")


def bank_accounts_active() -> QuerySet[BankAccount]:
    """The accounts a statement can be imported into."""
    return BankAccount.objects.filter(is_active=True).order_by("code")


def column_mappings_for_list() -> QuerySet[ColumnMapping]:
    """Every column mapping with how many accounts use it."""
    return ColumnMapping.objects.annotate(account_count=Count("accounts")).order_by("name")


def _line_counts() -> dict:
    # Counted in the same query as the imports: what is left to review of each file.
    return {
        "to_review": Count(
            "lines",
            filter=Q(
                lines__status__in=[BankLine.Status.UNMATCHED, BankLine.Status.SUGGESTED],
                lines__direction=BankLine.Direction.CREDIT,
            ),
        ),
        "applied_count": Count("lines", filter=Q(lines__status=BankLine.Status.APPLIED)),
    }


def statement_imports_for_list(*, account: int | None = None) -> QuerySet[BankStatementImport]:
    """Imports newest first, with their account, who imported them and `to_review` /
    `applied_count` line counts."""
    imports = BankStatementImport.objects.select_related("account", "imported_by").annotate(
        **_line_counts()
    )
    if account:
        imports = imports.filter(account_id=account)
    return imports.order_by("-imported_at", "-id")


def statement_import_for_detail(*, pk: int) -> BankStatementImport:
    return statement_imports_for_list().get(pk=pk)
