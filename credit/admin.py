"""Admin for the scorecard's configuration (weights, thresholds, grades and their suggestions)
and a read-only view of the ratings it produced. Which policy is active changes only through
the "activate" action, so that exactly one is active and it can rate."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from core.admin import ReadOnlyAdminMixin
from core.exceptions import ApplicationError
from credit import services
from credit.models import CustomerRating, RatingGrade, ScoringFactor, ScoringPolicy


class _CheckedFormSet(BaseInlineFormSet):
    """Runs a credit.services check over the rows that will be saved."""

    check_rows = None

    def clean(self):
        super().clean()
        kept = [
            form.instance
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        try:
            type(self).check_rows(kept)
        except ApplicationError as error:
            raise ValidationError(error.message) from None


class FactorFormSet(_CheckedFormSet):
    check_rows = services.check_factors


class GradeFormSet(_CheckedFormSet):
    check_rows = services.check_grades


class ScoringFactorInline(admin.TabularInline):
    model = ScoringFactor
    formset = FactorFormSet
    extra = 0
    fields = ("factor", "weight", "best_value", "worst_value")


class RatingGradeInline(admin.TabularInline):
    model = RatingGrade
    formset = GradeFormSet
    extra = 0
    fields = ("grade", "min_score", "limit_factor", "payment_terms")


@admin.register(ScoringPolicy)
class ScoringPolicyAdmin(SimpleHistoryAdmin):
    list_display = ("name", "is_active", "limit_step", "created_at")
    list_filter = ("is_active",)
    search_fields = ("name", "notes")
    readonly_fields = ("is_active",)
    fields = ("name", "is_active", "limit_step", "notes")
    inlines = [ScoringFactorInline, RatingGradeInline]
    actions = ["activate"]

    @admin.action(description=_("Make the selected policy the active one"))
    def activate(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("Select exactly one policy."), messages.ERROR)
            return
        try:
            policy = services.scoring_policy_activate(actor=request.user, policy=queryset.get())
        except ApplicationError as error:
            self.message_user(request, error.message, messages.ERROR)
        else:
            self.message_user(request, _("“%(name)s” is now active.") % {"name": policy.name})


@admin.register(CustomerRating)
class CustomerRatingAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("customer", "rated_on", "grade", "score", "suggested_credit_limit", "policy")
    list_filter = ("grade", "rated_on", "policy")
    search_fields = ("customer__code", "customer__legal_name")
    list_select_related = ("customer", "policy")
    date_hierarchy = "rated_on"
