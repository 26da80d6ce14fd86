from django import template

from accounts.names import person_name

register = template.Library()


@register.filter
def person(user) -> str:
    """`{{ invoice.created_by|person }}`: the user's name as accounts.names writes it; "—" for
    nobody."""
    if user is None or user == "":
        return "—"
    return person_name(user)
