"""The company's bank accounts and the column mappings of their CSV/XLSX exports (master data
kept by Finance)."""

from django.db import transaction
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError
from reconciliation.models import BankAccount, ColumnMapping

BANK_ACCOUNT_FIELDS = (
    "code",
    "name",
    "bank_name",
    "account_number",
    "currency",
    "column_mapping",
    "is_active",
)
COLUMN_MAPPING_FIELDS = tuple(
    field.name
    for field in ColumnMapping._meta.concrete_fields
    if not field.primary_key and field.name != "name"
)


def _attributed(instance, actor):
    instance._history_user = actor
    return instance


def _account_number(number: str) -> str:
    # Banks print numbers in groups of four ("6225 8801 ..."); statements carry them unspaced.
    return "".join(number.split())


@transaction.atomic
def bank_account_create(*, actor, **fields) -> BankAccount:
    """Register one of the company's bank accounts."""
    account = BankAccount(**fields)
    account.account_number = _account_number(account.account_number)
    _attributed(account, actor).full_clean()
    account.save()
    return account


@transaction.atomic
def bank_account_update(*, actor, account: BankAccount, **fields) -> BankAccount:
    """Change an account's details. Its currency is fixed once statements were imported into
    it: their lines were read in that currency."""
    account = BankAccount.objects.select_for_update().get(pk=account.pk)
    currency = fields.get("currency", account.currency)
    if currency != account.currency and account.imports.exists():
        raise ApplicationError(
            _("Statements were imported into this account: its currency cannot change."),
            field="currency",
            code="account_has_imports",
        )
    for name, value in fields.items():
        setattr(account, name, value)
    account.account_number = _account_number(account.account_number)
    _attributed(account, actor).full_clean()
    account.save()
    return account


def _check_direction_markers(mapping: ColumnMapping) -> None:
    if mapping.direction_column and not (mapping.credit_marker and mapping.debit_marker):
        field = "debit_marker" if mapping.credit_marker else "credit_marker"
        raise ApplicationError(
            _("With a debit/credit flag column, give the flag values for both directions."),
            field=field,
            code="direction_markers",
        )


@transaction.atomic
def column_mapping_create(*, actor, name: str, **fields) -> ColumnMapping:
    """Save how one bank's export names its columns."""
    mapping = ColumnMapping(name=name, **fields)
    _check_direction_markers(mapping)
    _attributed(mapping, actor).full_clean()
    mapping.save()
    return mapping


@transaction.atomic
def column_mapping_update(*, actor, mapping: ColumnMapping, **fields) -> ColumnMapping:
    """Change a column mapping; the next import of every account using it reads it."""
    mapping = ColumnMapping.objects.select_for_update().get(pk=mapping.pk)
    for name, value in fields.items():
        setattr(mapping, name, value)
    _check_direction_markers(mapping)
    _attributed(mapping, actor).full_clean()
    mapping.save()
    return mapping
