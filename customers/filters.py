import django_filters

from customers.models import Contact, Customer


class CustomerFilter(django_filters.FilterSet):
    class Meta:
        model = Customer
        fields = {
            "owner": ["exact"],
            "tier": ["exact"],
            "status": ["exact"],
            "region": ["exact"],
            "country": ["exact"],
            "currency": ["exact"],
            "is_archived": ["exact"],
        }


class ContactFilter(django_filters.FilterSet):
    class Meta:
        model = Contact
        fields = {
            "customer": ["exact"],
            "receives_statements": ["exact"],
            "receives_reminders": ["exact"],
            "receives_invoices": ["exact"],
        }
