"""Writes of the reports app. Each area keeps its own section."""

from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from accounts.roles import COMPANY_READER, Capability, has_capability
from core.exceptions import ApplicationError, PermissionDeniedError
from core.money import ZERO
from customers.models import Customer
from customers.selectors import customers_visible_to
from reports.aging import AgingGroup, AgingQuery, aging_report
from reports.kpis import kpis_by_sales_rep, kpis_for_month
from reports.models import DailySnapshot, SpecificProvision
from reports.selectors import cash_received

# --- bad-debt provision ---


def _check_may_manage_provisions(actor) -> None:
    if not has_capability(actor, Capability.MANAGE_CREDIT):
        raise PermissionDeniedError(
            _("You may not change bad-debt provisions."), field="customer", code="not_allowed"
        )


@transaction.atomic
def specific_provision_create(
    *,
    actor,
    customer: Customer,
    reason: str,
    effective_on: date,
    percent: Decimal | None = None,
    amount: Decimal | None = None,
) -> SpecificProvision:
    """Provide for `customer`'s open balance from `effective_on` at `percent` or at a fixed
    `amount` in the base currency (exactly one of them), in place of the aging-based provision.
    A customer has at most one specific provision in force on any day: one that would overlap
    another (still open, or ending after `effective_on`) is refused."""
    _check_may_manage_provisions(actor)
    if not customers_visible_to(actor).filter(pk=customer.pk).exists():
        raise PermissionDeniedError(_("You may not see this customer."), field="customer")
    # Locked so that two provisions for one customer are decided one after the other.
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    if (percent is None) == (amount is None):
        raise ApplicationError(
            _("Give either a percentage or an amount, not both."), field="percent"
        )
    if percent is not None and not Decimal(0) < percent <= Decimal(100):
        raise ApplicationError(
            _("The percentage must be above 0 and at most 100."), field="percent"
        )
    if amount is not None and amount <= 0:
        raise ApplicationError(_("The amount must be positive."), field="amount")
    if not reason.strip():
        raise ApplicationError(
            _("Say why the customer needs a specific provision."), field="reason"
        )
    overlapping = SpecificProvision.objects.filter(customer=customer).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gt=effective_on)
    )
    if overlapping.exists():
        raise ApplicationError(
            _(
                "Customer %(code)s already has a specific provision in force on or after this "
                "date; end it first."
            )
            % {"code": customer.code},
            field="effective_on",
            code="provision_overlaps",
        )
    specific = SpecificProvision(
        customer=customer,
        percent=percent,
        amount=amount,
        reason=reason.strip(),
        effective_on=effective_on,
        created_by=actor,
    )
    specific._history_user = actor
    specific.save()
    return specific


@transaction.atomic
def specific_provision_end(
    *, actor, specific: SpecificProvision, ended_on: date, reason: str
) -> SpecificProvision:
    """End a specific provision: from `ended_on` (the first day without it) the customer's
    balance is provided for by the aging brackets again. Only an open provision can be ended,
    and not before the day after it took effect."""
    _check_may_manage_provisions(actor)
    specific = SpecificProvision.objects.select_for_update().get(pk=specific.pk)
    if specific.ended_on is not None:
        raise ApplicationError(
            _("This provision already ended on %(date)s.")
            % {"date": specific.ended_on.isoformat()},
            field="ended_on",
        )
    if ended_on <= specific.effective_on:
        raise ApplicationError(
            _("A provision must end after the day it takes effect (%(date)s).")
            % {"date": specific.effective_on.isoformat()},
            field="ended_on",
        )
    if not reason.strip():
        raise ApplicationError(_("Say why the provision ends."), field="end_reason")
    specific.ended_on = ended_on
    specific.end_reason = reason.strip()
    specific._history_user = actor
    specific.save(update_fields=["ended_on", "end_reason"])
    return specific


# --- daily snapshot ---


def _snapshot_row(on_date: date, sales_rep, kpis, aging: dict, received: Decimal):
    return DailySnapshot(
        on_date=on_date,
        sales_rep=sales_rep,
        open_amount=kpis.closing,
        overdue_amount=kpis.overdue,
        aging=aging,
        sales=kpis.sales,
        cash_received=received,
        dso=kpis.dso,
        dso_count_back=kpis.dso_count_back,
        best_dso=kpis.best_dso,
        cei=kpis.cei,
        collection_rate=kpis.collection_rate.percent,
        missing_rates=list(kpis.missing_rates),
    )


def _snapshots_on(on_date: date) -> list[DailySnapshot]:
    return list(DailySnapshot.objects.filter(on_date=on_date).order_by("sales_rep_id", "pk"))


def snapshot_take(*, on_date: date) -> list[DailySnapshot]:
    """Record the aging and month-to-date KPIs of `on_date`: a company row and a row per sales
    rep with figures that day (customers without a rep count in the company row only). A day
    is recorded once: if it already is, nothing changes and its rows are returned; its rows are
    written in one transaction, so no run leaves a day half-written. A fixed number of queries,
    whatever the number of customers or reps."""
    recorded = _snapshots_on(on_date)
    if recorded:
        return recorded
    company = COMPANY_READER
    # The default buckets (days past due), per sales rep; their totals are the company's.
    aging = aging_report(
        user=company, query=AgingQuery(as_of=on_date, group_by=AgingGroup.SALES_REP)
    )
    no_aging = dict.fromkeys((bucket.key for bucket in aging.buckets), ZERO)
    rep_aging = {row.group: row.amounts for row in aging.rows}
    rows = [
        _snapshot_row(
            on_date,
            None,
            kpis_for_month(user=company, as_of=on_date),
            aging.totals,
            cash_received(user=company, as_of=on_date)[None],
        )
    ]
    rows += [
        _snapshot_row(
            on_date, line.rep, line.kpis, rep_aging.get(line.rep.pk, no_aging), line.collected
        )
        for line in kpis_by_sales_rep(user=company, as_of=on_date)
        if line.rep is not None
    ]
    try:
        with transaction.atomic():
            DailySnapshot.objects.bulk_create(rows)
    except IntegrityError:
        # A run at the same time recorded the day first (the unique constraints): its rows
        # stand. Anything else is a real error.
        recorded = _snapshots_on(on_date)
        if not recorded:
            raise
        return recorded
    return _snapshots_on(on_date)
