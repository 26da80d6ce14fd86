import pytest

from accounts.names import person_name
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("first", "last", "shown"),
    [
        ("洋", "刘", "刘洋"),
        ("Ada", "Lovelace", "Ada Lovelace"),
        ("", "", "rep1"),
        ("Ada", "", "Ada"),
    ],
)
def test_people_are_named_in_the_order_their_language_writes_names(first, last, shown):
    user = UserFactory(username="rep1", first_name=first, last_name=last)

    assert person_name(user) == shown
