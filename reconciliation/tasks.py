"""Celery tasks: each takes ids and calls one service; running one twice changes nothing more
(the engine only touches lines still unmatched or suggested, under a row lock)."""

from celery import shared_task

from reconciliation.services.matching import bank_lines_match


@shared_task
def match_statement_import(statement_import_id: int) -> dict:
    """Run the matching engine over the lines one import added."""
    return bank_lines_match(statement_import_id=statement_import_id).as_dict()


@shared_task
def match_open_lines() -> dict:
    """Re-run the engine over every line still unmatched or suggested (after new invoices, or
    on demand from the review page)."""
    return bank_lines_match().as_dict()


@shared_task
def match_bank_lines(line_ids: list[int]) -> dict:
    """Re-evaluate particular lines (one a user un-applied or un-ignored)."""
    return bank_lines_match(line_ids=line_ids).as_dict()
