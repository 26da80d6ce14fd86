from django import forms

from accounts.names import person_name


class PersonChoiceField(forms.ModelChoiceField):
    """Choose a user (a sales rep, say) by the name pages show for them."""

    def label_from_instance(self, user):
        return person_name(user)
