"""Roles and what each may do: the one place that answers "may this user do that?".

Roles are Django groups (created by a data migration). Which *customers* a user may see is
decided by customers.selectors.customers_visible_to, built on `sees_all_customers` below.
"""

from enum import StrEnum


class Role(StrEnum):
    FINANCE = "Finance"
    SALES = "Sales"
    MANAGER = "Manager"
    ADMIN = "Admin"
    AUDITOR = "Auditor"


class Capability(StrEnum):
    VIEW = "view"
    MANAGE_CUSTOMERS = "manage_customers"
    MANAGE_CONTACTS = "manage_contacts"
    MANAGE_CREDIT = "manage_credit"
    MANAGE_LEDGER = "manage_ledger"
    REQUEST_WRITE_OFF = "request_write_off"
    APPROVE_WRITE_OFF = "approve_write_off"
    # Credit limit / payment terms changes and credit-limit overrides: asked for by finance or a
    # manager (REQUEST_..., i.e. MANAGE_CREDIT), decided by a manager.
    APPROVE_CREDIT = "approve_credit"
    # Acknowledge and assign early-warning alerts (a sales rep: on their own customers).
    HANDLE_ALERTS = "handle_alerts"
    # Log collection calls and visits, record promises to pay, raise disputes (a sales rep: on
    # their own customers).
    COLLECT = "collect"
    # Import bank statements and apply, un-apply or ignore bank lines (cash application).
    RECONCILE = "reconcile"
    # Bring customers, contracts, invoices, payments and opening balances in from spreadsheets.
    IMPORT_DATA = "import_data"


ROLE_CAPABILITIES: dict[Role, frozenset[Capability]] = {
    Role.ADMIN: frozenset(Capability),
    Role.FINANCE: frozenset(
        {
            Capability.VIEW,
            Capability.MANAGE_CUSTOMERS,
            Capability.MANAGE_CONTACTS,
            Capability.MANAGE_CREDIT,
            Capability.MANAGE_LEDGER,
            Capability.REQUEST_WRITE_OFF,
            Capability.HANDLE_ALERTS,
            Capability.COLLECT,
            Capability.RECONCILE,
            Capability.IMPORT_DATA,
        }
    ),
    Role.MANAGER: frozenset(
        {
            Capability.VIEW,
            Capability.MANAGE_CREDIT,
            Capability.REQUEST_WRITE_OFF,
            Capability.APPROVE_WRITE_OFF,
            Capability.APPROVE_CREDIT,
            Capability.HANDLE_ALERTS,
            Capability.COLLECT,
        }
    ),
    # A sales rep keeps their own customers' contacts current and reads the rest of their ledger.
    Role.SALES: frozenset(
        {
            Capability.VIEW,
            Capability.MANAGE_CONTACTS,
            Capability.HANDLE_ALERTS,
            Capability.COLLECT,
        }
    ),
    Role.AUDITOR: frozenset({Capability.VIEW}),
}

# Roles that see every customer; everyone else (Sales) sees only the customers they own.
ROLES_SEEING_ALL_CUSTOMERS = frozenset({Role.ADMIN, Role.FINANCE, Role.MANAGER, Role.AUDITOR})


def user_roles(user) -> frozenset[Role]:
    if not user or not user.is_authenticated or not user.is_active:
        return frozenset()
    cached = getattr(user, "_huikuan_roles", None)
    if cached is not None:
        return cached
    names = set(user.groups.values_list("name", flat=True))
    roles = {role for role in Role if role.value in names}
    if user.is_superuser:
        roles.add(Role.ADMIN)
    user._huikuan_roles = frozenset(roles)
    return user._huikuan_roles


def has_capability(user, capability: Capability) -> bool:
    return any(capability in ROLE_CAPABILITIES[role] for role in user_roles(user))


def sees_all_customers(user) -> bool:
    return bool(user_roles(user) & ROLES_SEEING_ALL_CUSTOMERS)


class CompanyReader:
    """Whom scheduled jobs read as: every customer, changing nothing (an Auditor's view). A job
    speaks for the company, not for a person, so it is no user account; it carries its roles
    the way user_roles caches a user's."""

    is_authenticated = True
    is_active = True
    is_superuser = False
    _huikuan_roles = frozenset({Role.AUDITOR})


COMPANY_READER = CompanyReader()
