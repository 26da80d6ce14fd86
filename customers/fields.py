"""The customer picker: the one form field for choosing a customer. A company may have tens of
thousands of customers, so the field never lists them: the person types a code (or picks a
suggestion that the lookup endpoint sends as they type) and the field resolves that code, or the
primary key that links such as /payments/new/?customer=<pk> carry, among the customers the user
may see."""

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from customers.models import Customer
from customers.selectors import customers_visible_to


class CustomerPicker(forms.TextInput):
    """One search box holding the chosen customer's code, with the customer's name under it,
    and a <datalist> that htmx fills with suggestions (customers.views.customer_lookup) as the
    person types. Without JavaScript a typed code still submits."""

    input_type = "search"
    template_name = "customers/widgets/customer_picker.html"

    def __init__(self, attrs=None, *, suggest_archived: bool = False):
        super().__init__(attrs)
        self.suggest_archived = suggest_archived

    def format_value(self, value):
        if isinstance(value, Customer):
            return value.code
        return super().format_value(value)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        input_id = widget["attrs"].get("id") or f"id_{name}"
        suggestions_id = f"{input_id}_suggestions"
        name_id = f"{input_id}_name"
        lookup_url = reverse("customer-lookup")
        if self.suggest_archived:
            lookup_url += "?archived=1"
        widget["customer"] = value if isinstance(value, Customer) else None
        widget["suggestions_id"] = suggestions_id
        widget["name_id"] = name_id
        widget["attrs"] = {
            "placeholder": _("Code, name, USCC or pinyin initials"),
            **widget["attrs"],
            "list": suggestions_id,
            "autocomplete": "off",
            "spellcheck": "false",
            "hx-get": lookup_url,
            "hx-trigger": "input changed delay:250ms",
            "hx-target": f"#{suggestions_id}",
            "hx-swap": "innerHTML",
            "hx-sync": "this:replace",
            # The endpoint takes ?q=, whatever the field is called in its form.
            "hx-vals": "js:{q: this.value}",
            "hx-params": "q",
            # The name shown is the rendered customer's; once the code is changed it is stale.
            "hx-on:input": (
                f"document.getElementById('{name_id}')"
                "?.toggleAttribute('hidden', this.value !== this.defaultValue)"
            ),
        }
        return context


class CustomerField(forms.Field):
    """A customer, given by its code (any case) or primary key, among `queryset` (all customers
    if None) narrowed to those `user` may see (customers_visible_to). A customer outside that
    scope is refused exactly like a code that does not exist, so the answer reveals nothing.
    `user` and `queryset` may also be set after construction (`form.fields["customer"].user =
    user`), before the form is used."""

    widget = CustomerPicker
    default_error_messages = {
        "unknown": _("No customer with code “%(code)s” that you may see."),
    }

    def __init__(self, *, user=None, queryset=None, suggest_archived: bool = False, **kwargs):
        super().__init__(**kwargs)
        self._user = user
        self._queryset = queryset
        self._resolved: dict[str, Customer | None] = {}
        self.widget.suggest_archived = suggest_archived

    def __deepcopy__(self, memo):
        result = super().__deepcopy__(memo)
        # Each form resolves for its own user: never share what another form looked up.
        result._resolved = {}
        return result

    @property
    def user(self):
        return self._user

    @user.setter
    def user(self, user):
        self._user = user
        self._resolved = {}

    @property
    def queryset(self) -> QuerySet[Customer] | None:
        return self._queryset

    @queryset.setter
    def queryset(self, queryset: QuerySet[Customer] | None):
        self._queryset = queryset
        self._resolved = {}

    def choosable(self) -> QuerySet[Customer]:
        """The customers this field accepts: none until it knows who is choosing."""
        if self._user is None:
            return Customer.objects.none()
        visible = customers_visible_to(self._user)
        return visible if self._queryset is None else visible & self._queryset

    def resolve(self, value) -> Customer | None:
        """The choosable customer whose code (any case) or primary key is `value`, or None.
        One query per distinct value: cleaning and rendering the same form share it."""
        text = "" if value is None else str(value).strip()
        if not text:
            return None
        if text not in self._resolved:
            self._resolved[text] = self._find(text)
        return self._resolved[text]

    def _find(self, text: str) -> Customer | None:
        match = Q(code__iexact=text)
        is_number = text.isascii() and text.isdigit()
        if is_number:
            match |= Q(pk=int(text))
        candidates = list(self.choosable().filter(match)[:2])
        if not candidates:
            return None
        # A code made of digits wins over another customer's primary key that equals it: the
        # code is what a person types.
        return min(candidates, key=lambda customer: is_number and str(customer.pk) == text)

    def to_python(self, value) -> Customer | None:
        text = "" if value is None else str(value).strip()
        if not text:
            return None
        customer = self.resolve(text)
        if customer is None:
            raise ValidationError(
                self.error_messages["unknown"], code="unknown", params={"code": text}
            )
        return customer

    def prepare_value(self, value):
        """The customer itself when `value` names one (the widget shows its code and name),
        else `value` as typed."""
        if isinstance(value, Customer) or value in self.empty_values:
            return value
        return self.resolve(value) or value

    def has_changed(self, initial, data) -> bool:
        if self.disabled:
            return False
        try:
            chosen = self.to_python(data)
        except ValidationError:
            return True
        initial_pk = initial.pk if isinstance(initial, Customer) else initial
        return str(initial_pk or "") != str(chosen.pk if chosen else "")
