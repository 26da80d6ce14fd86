"""Reads of the customer archive. `customers_visible_to` is the single role-scoping rule that
every page, API, export and PDF builds on."""

from django.db.models import QuerySet

from accounts.roles import Capability, Role, has_capability, sees_all_customers, user_roles
from customers.models import Contact, Customer


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
