"""Reads of the customer archive. `customers_visible_to` is the single role-scoping rule that
every page, API, export and PDF builds on."""

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from accounts.roles import Capability, Role, has_capability, sees_all_customers, user_roles
from customers.models import Contact, CreditChangeRequest, Customer
from customers.services import CREDIT_FIELDS, CUSTOMER_FIELDS


def customers_visible_to(user) -> QuerySet[Customer]:
    """Customers `user` may see: all for Finance, Manager, Auditor and Admin; a sales rep's own."""
    if sees_all_customers(user):
        return Customer.objects.all()
    if Role.SALES in user_roles(user):
        return Customer.objects.filter(owner=user)
    return Customer.objects.none()


def customer_ids_visible_to(user) -> QuerySet:
    """The visible customers' ids, as a subquery for scoping any table with a customer column."""
    return customers_visible_to(user).values("pk")


def scope_to_user(queryset: QuerySet, user, *, customer_field: str = "customer") -> QuerySet:
    """Restrict any queryset with a customer relation to the customers `user` may see."""
    if sees_all_customers(user):
        return queryset
    if not has_capability(user, Capability.VIEW):
        return queryset.none()
    return queryset.filter(**{f"{customer_field}__in": customer_ids_visible_to(user)})


def contacts_visible_to(user) -> QuerySet[Contact]:
    return scope_to_user(Contact.objects.all(), user)


# --- customer pages ---

# The list's status filter has one choice more than Customer.Status: archived customers, which
# are otherwise left out of lists.
CUSTOMER_ARCHIVED = "archived"


def customers_matching(queryset: QuerySet[Customer], text: str) -> QuerySet[Customer]:
    """Narrow `queryset` to customers whose code, legal name, short name or USCC contains
    `text`, or whose legal or short name's pinyin initials start with it (hzkj finds
    杭州科技…), ignoring case. Blank text matches everyone."""
    text = text.strip()
    if not text:
        return queryset
    # name_initials holds both names' initials, space-separated: "HZKJYXGS HZKJ".
    initials = text.upper()
    return queryset.filter(
        Q(code__icontains=text)
        | Q(legal_name__icontains=text)
        | Q(short_name__icontains=text)
        | Q(uscc__icontains=text.replace(" ", ""))
        | Q(name_initials__startswith=initials)
        | Q(name_initials__contains=f" {initials}")
    )


def customer_regions(user) -> list[str]:
    """The regions of the customers `user` may see, for a filter's choices."""
    return list(
        customers_visible_to(user)
        .exclude(region="")
        .order_by("region")
        .values_list("region", flat=True)
        .distinct()
    )


def customer_owners(user) -> QuerySet:
    """The sales reps owning at least one customer `user` may see, for a filter's choices."""
    return (
        get_user_model()
        .objects.filter(owned_customers__in=customers_visible_to(user))
        .distinct()
        .order_by("username")
    )


def sales_reps_assignable(*, including_pk=None) -> QuerySet:
    """Active users in the Sales role, who may own a customer, plus the user `including_pk`
    (a customer's current owner stays selectable after leaving the role)."""
    return (
        get_user_model()
        .objects.filter(Q(is_active=True, groups__name=Role.SALES.value) | Q(pk=including_pk))
        .distinct()
        .order_by("username")
    )


def customer_contacts(*, user, customer: Customer) -> QuerySet[Contact]:
    """The customer's contact persons, primary first."""
    return contacts_visible_to(user).filter(customer=customer)


# How many suggestions the customer picker shows as the person types.
CUSTOMER_SUGGESTIONS = 20


def customer_suggestions(*, user, text: str, include_archived: bool = False) -> QuerySet[Customer]:
    """The customer picker's suggestions (customers.views.customer_lookup): up to
    CUSTOMER_SUGGESTIONS customers `user` may see that match `text` (customers_matching), by
    code; archived customers only with `include_archived`. None for blank text."""
    if not text.strip():
        return Customer.objects.none()
    customers = customers_matching(customers_visible_to(user), text)
    if not include_archived:
        customers = customers.filter(is_archived=False)
    return customers.order_by("code")[:CUSTOMER_SUGGESTIONS]


def customer_fields_editable_by(user) -> tuple[str, ...]:
    """The archive fields `user` may change on an existing customer, as
    customers.services.customer_update decides: all but the credit fields, with
    MANAGE_CUSTOMERS (a Manager gets none: credit terms change through a credit change
    request)."""
    if not has_capability(user, Capability.MANAGE_CUSTOMERS):
        return ()
    return tuple(name for name in CUSTOMER_FIELDS if name not in CREDIT_FIELDS)


def customer_fields_on_create(user) -> tuple[str, ...]:
    """The fields `user` may fill in on a new customer: the archive with MANAGE_CUSTOMERS, and
    the opening credit limit and payment terms with MANAGE_CREDIT too (later changes of those
    need a manager's approval)."""
    return tuple(
        name
        for name in CUSTOMER_FIELDS
        if has_capability(
            user,
            Capability.MANAGE_CREDIT if name in CREDIT_FIELDS else Capability.MANAGE_CUSTOMERS,
        )
    )


# --- credit change requests ---


def credit_change_requests_visible_to(user) -> QuerySet[CreditChangeRequest]:
    return scope_to_user(CreditChangeRequest.objects.all(), user)


def credit_changes_pending_approval(*, user) -> QuerySet[CreditChangeRequest]:
    """Credit change requests awaiting a decision that `user` may see, oldest first."""
    return (
        credit_change_requests_visible_to(user)
        .filter(status=CreditChangeRequest.Status.PENDING)
        .select_related(
            "customer", "default_payment_terms", "default_payment_terms_before", "requested_by"
        )
        .order_by("requested_at", "pk")
    )
