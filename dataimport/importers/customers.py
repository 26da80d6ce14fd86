"""Customers and their contacts. One row per customer, or several rows with the same customer
code to add several contacts: the customer columns of every row must then agree. A contact is
known by its customer and name, so re-importing updates it instead of adding it twice."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from import_export.fields import Field
from import_export.results import RowResult

from customers.models import Contact, Customer
from customers.services import contact_create, contact_update, customer_create, customer_update
from customers.validators import normalize_phone
from dataimport.importers.base import (
    HuikuanResource,
    cell_text,
    is_blank,
    normalize_header,
    parse_bool,
    parse_choice,
    parse_decimal,
    reported_as,
)
from receivables.models import PaymentTerms

CUSTOMER_TEXT = ("legal_name", "short_name", "industry", "region", "address", "notes")
CONTACT_COLUMNS = {
    "contact_name": "name",
    "contact_title": "title",
    "contact_phone": "phone",
    "contact_email": "email",
    "contact_is_primary": "is_primary",
    "contact_receives_statements": "receives_statements",
    "contact_receives_reminders": "receives_reminders",
    "contact_receives_invoices": "receives_invoices",
}
CONTACT_FLAGS = {
    "is_primary",
    "receives_statements",
    "receives_reminders",
    "receives_invoices",
}


class CustomerResource(HuikuanResource):
    headers = {
        "code": ("客户编码", "Customer code"),
        "legal_name": ("客户名称", "Legal name"),
        "short_name": ("简称", "Short name"),
        "country": ("国家", "Country"),
        "uscc": ("统一社会信用代码", "USCC"),
        "industry": ("行业", "Industry"),
        "region": ("地区", "Region"),
        "address": ("地址", "Address"),
        "tier": ("客户等级", "Tier"),
        "owner": ("销售负责人", "Sales rep"),
        "default_payment_terms": ("付款条件", "Payment terms"),
        "currency": ("币种", "Currency"),
        "credit_limit": ("信用额度", "Credit limit"),
        "language": ("单据语言", "Document language"),
        "statement_frequency": ("对账频率", "Statement frequency"),
        "statement_confirmation": ("询证方式", "Statement confirmation"),
        "notes": ("备注", "Notes"),
        "contact_name": ("联系人", "Contact name"),
        "contact_title": ("联系人职务", "Contact title"),
        "contact_phone": ("联系人电话", "Contact phone"),
        "contact_email": ("联系人邮箱", "Contact e-mail"),
        "contact_is_primary": ("主要联系人", "Primary contact"),
        "contact_receives_statements": ("接收对账单", "Receives statements"),
        "contact_receives_reminders": ("接收催款", "Receives reminders"),
        "contact_receives_invoices": ("接收发票", "Receives invoices"),
    }
    required = frozenset({"code", "legal_name"})
    # The customer list's export (reports/views/exports.py) imports as it is.
    aliases = {
        "legal_name": ("客户全称",),
        "short_name": ("客户简称",),
        "owner": ("销售代表",),
        "default_payment_terms": ("Payment terms code",),
    }
    informational = ("状态", "Status", "最早到期日", "Oldest due date")

    @classmethod
    def informational_headers(cls) -> frozenset[str]:
        # The export's balances are in the base currency, named in their headers.
        balances = [
            f"{header} ({settings.BASE_CURRENCY})"
            for header in ("未结余额", "Open balance", "逾期金额", "Overdue")
        ]
        return super().informational_headers() | {normalize_header(text) for text in balances}

    example = {
        "code": "C0001",
        "legal_name": "上海示例贸易有限公司",
        "short_name": "示例贸易",
        "country": "CN",
        "uscc": "91310000MA1K35XK0J",
        "industry": "批发",
        "region": "华东",
        "address": "上海市浦东新区世纪大道 100 号",
        "tier": "B",
        "owner": "zhang.wei",
        "default_payment_terms": "NET30",
        "currency": "CNY",
        "credit_limit": "500000.00",
        "language": "zh-hans",
        "statement_frequency": "monthly",
        "statement_confirmation": "positive",
        "notes": "",
        "contact_name": "李娜",
        "contact_title": "财务经理",
        "contact_phone": "13800138000",
        "contact_email": "li.na@example.cn",
        "contact_is_primary": "是",
        "contact_receives_statements": "是",
        "contact_receives_reminders": "是",
        "contact_receives_invoices": "否",
    }
    natural_key = ("code",)

    code = Field(attribute="code", column_name="code")

    class Meta:
        model = Customer
        fields = ("code",)
        import_id_fields = ("code",)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._users: dict[str, object] = {}
        self._terms: dict[str, PaymentTerms] = {}

    def get_queryset(self):
        return Customer.objects.select_related("owner", "default_payment_terms")

    # --- parsing ---------------------------------------------------------------------------

    def _customer_fields(self, row) -> tuple[dict, dict]:
        """The customer fields the row gives (absent columns are left as they are) and the
        errors per field."""
        fields, errors = {}, {}

        def take(name, parse):
            if name not in row:
                return
            try:
                fields[name] = parse(row[name])
            except ValidationError as error:
                errors.update(error.message_dict)

        fields["code"] = cell_text(row["code"])
        for name in CUSTOMER_TEXT:
            take(name, cell_text)
        take("country", lambda value: cell_text(value).upper() or "CN")
        take("uscc", lambda value: cell_text(value).upper())
        take("currency", lambda value: cell_text(value).upper() or None)
        take("tier", lambda v: parse_choice(v, choices=Customer.Tier, field_name="tier") or "B")
        take(
            "language",
            lambda v: (
                parse_choice(v, choices=Customer.Language, field_name="language")
                or Customer.Language.ZH_HANS
            ),
        )
        take(
            "statement_frequency",
            lambda v: (
                parse_choice(
                    v, choices=Customer.StatementFrequency, field_name="statement_frequency"
                )
                or Customer.StatementFrequency.MONTHLY
            ),
        )
        take(
            "statement_confirmation",
            lambda v: (
                parse_choice(
                    v, choices=Customer.ConfirmationKind, field_name="statement_confirmation"
                )
                or Customer.ConfirmationKind.POSITIVE
            ),
        )
        take("credit_limit", self._credit_limit)
        take("owner", self._owner)
        take("default_payment_terms", self._payment_terms)
        if fields.get("currency") is None:
            fields.pop("currency", None)
        return fields, errors

    def _credit_limit(self, value):
        limit = parse_decimal(value, field_name="credit_limit")
        if limit is None:
            return 0
        if limit < 0:
            raise ValidationError({"credit_limit": _("The credit limit cannot be negative.")})
        return limit

    def _owner(self, value):
        username = cell_text(value)
        if not username:
            return None
        if username not in self._users:
            self._users[username] = (
                get_user_model().objects.filter(username__iexact=username, is_active=True).first()
            )
        if self._users[username] is None:
            raise ValidationError(
                {"owner": _("No active user with the username “%(name)s”.") % {"name": username}}
            )
        return self._users[username]

    def _payment_terms(self, value):
        code = cell_text(value)
        if not code:
            return None
        if code not in self._terms:
            self._terms[code] = PaymentTerms.objects.filter(code__iexact=code).first()
        if self._terms[code] is None:
            raise ValidationError(
                {"default_payment_terms": _("Unknown payment terms “%(code)s”.") % {"code": code}}
            )
        return self._terms[code]

    def _contact_fields(self, row) -> tuple[dict, dict]:
        if is_blank(row.get("contact_name")):
            given = [column for column in CONTACT_COLUMNS if not is_blank(row.get(column))]
            if given:
                return {}, {"contact_name": [_("A contact needs a name.")]}
            return {}, {}
        fields, errors = {}, {}
        for column, name in CONTACT_COLUMNS.items():
            if column not in row:
                continue
            try:
                if name in CONTACT_FLAGS:
                    fields[name] = parse_bool(row[column], field_name=column)
                else:
                    fields[name] = cell_text(row[column])
            except ValidationError as error:
                errors.update(error.message_dict)
        return fields, errors

    # --- the import-export hooks ----------------------------------------------------------

    def import_instance(self, instance, row, **kwargs):
        """Parse the row; the values are written by save_instance through the services."""
        customer_fields, errors = self._customer_fields(row)
        contact_fields, contact_errors = self._contact_fields(row)
        errors.update(contact_errors)
        if errors:
            raise ValidationError(errors)
        instance.import_fields = customer_fields
        instance.import_contact = contact_fields

    def _changed_customer_fields(self, instance) -> dict:
        if instance.pk is None:
            return instance.import_fields
        return {
            name: value
            for name, value in instance.import_fields.items()
            if getattr(instance, name) != value
        }

    @staticmethod
    def _existing_contact(customer, contact_fields):
        if customer.pk is None or not contact_fields:
            return None
        return Contact.objects.filter(customer=customer, name=contact_fields["name"]).first()

    def skip_row(self, instance, original, row, import_validation_errors=None):
        if import_validation_errors or instance.pk is None:
            return False
        if self._changed_customer_fields(instance):
            return False
        if not instance.import_contact:
            return True
        contact = self._existing_contact(instance, instance.import_contact)
        return contact is not None and all(
            getattr(contact, name) == self._stored_form(name, value, instance.country)
            for name, value in instance.import_contact.items()
        )

    @staticmethod
    def _stored_form(name, value, country):
        """The value as the contact service stores it (phones in E.164)."""
        if name != "phone" or not value:
            return value
        try:
            return normalize_phone(value, country=country)
        except ValidationError:
            return value

    def save_instance(self, instance, is_create, row, **kwargs):
        """Create or update the customer, then add or update the row's contact."""
        self.row_created_contact = False
        with reported_as("code", fields={"name": "contact_name"}):
            if is_create:
                customer = customer_create(actor=self.actor, **instance.import_fields)
            else:
                changed = self._changed_customer_fields(instance)
                customer = (
                    customer_update(actor=self.actor, customer=instance, **changed)
                    if changed
                    else instance
                )
        instance.pk = customer.pk
        if not instance.import_contact:
            return
        contact = self._existing_contact(customer, instance.import_contact)
        with reported_as(
            "contact_name",
            fields={name: column for column, name in CONTACT_COLUMNS.items()},
        ):
            if contact is None:
                contact_create(actor=self.actor, customer=customer, **instance.import_contact)
                self.row_created_contact = not is_create
            else:
                contact_update(actor=self.actor, contact=contact, **instance.import_contact)

    def after_import_row(self, row, row_result, **kwargs):
        # A further row of a customer adds a contact: report it as new, not as an update.
        if row_result.import_type == RowResult.IMPORT_TYPE_UPDATE and getattr(
            self, "row_created_contact", False
        ):
            row_result.import_type = RowResult.IMPORT_TYPE_NEW
        self.row_created_contact = False
