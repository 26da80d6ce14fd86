"""Editing the scoring policy in the Django admin: the checks that keep it able to rate, and
activating a policy."""

from decimal import Decimal

import pytest
from django.test import Client

from credit.models import RatingGrade, ScoringFactor, ScoringPolicy

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(admin_user_):
    admin_user_.is_staff = admin_user_.is_superuser = True
    admin_user_.save()
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(admin_user_)
    return client


def _change_form(policy, **overrides):
    """The policy's admin change form as the browser posts it, with `overrides`."""
    data = {"name": policy.name, "limit_step": str(policy.limit_step), "notes": ""}
    for prefix, rows, fields in (
        (
            "factors",
            policy.factors.order_by("pk"),
            ("factor", "weight", "best_value", "worst_value"),
        ),
        ("grades", policy.grades.order_by("pk"), ("grade", "min_score", "limit_factor")),
    ):
        rows = list(rows)
        data |= {
            f"{prefix}-TOTAL_FORMS": len(rows),
            f"{prefix}-INITIAL_FORMS": len(rows),
            f"{prefix}-MIN_NUM_FORMS": 0,
            f"{prefix}-MAX_NUM_FORMS": 1000,
        }
        for index, row in enumerate(rows):
            data[f"{prefix}-{index}-id"] = row.pk
            data[f"{prefix}-{index}-policy"] = policy.pk
            data[f"{prefix}-{index}-payment_terms"] = ""
            for field in fields:
                data[f"{prefix}-{index}-{field}"] = str(getattr(row, field))
    data.update(overrides)
    return data


def _url(policy):
    return f"/admin/credit/scoringpolicy/{policy.pk}/change/"


def test_weights_and_thresholds_are_edited_in_the_admin(staff_client):
    policy = ScoringPolicy.objects.get(is_active=True)
    data = _change_form(policy, **{"factors-0-weight": "30.00"})

    response = staff_client.post(_url(policy), data)

    assert response.status_code == 302
    first = policy.factors.order_by("pk").first()
    assert first.weight == Decimal("30.00")
    assert first.history.first().history_user.username == "admin_t"


def test_the_lowest_grade_must_start_at_zero(staff_client):
    policy = ScoringPolicy.objects.get(is_active=True)
    lowest = policy.grades.order_by("pk").count() - 1  # C, created last
    data = _change_form(policy, **{f"grades-{lowest}-min_score": "10.00"})

    response = staff_client.post(_url(policy), data)

    assert response.status_code == 200
    assert "The lowest grade must start at score 0." in response.content.decode()
    assert RatingGrade.objects.get(policy=policy, grade="C").min_score == 0


def test_the_weights_cannot_all_be_zero(staff_client):
    policy = ScoringPolicy.objects.get(is_active=True)
    zero_weights = {f"factors-{index}-weight": "0" for index in range(policy.factors.count())}

    response = staff_client.post(_url(policy), _change_form(policy, **zero_weights))

    assert response.status_code == 200
    assert "Give at least one factor a weight." in response.content.decode()
    assert not ScoringFactor.objects.filter(policy=policy, weight=0).exists()


def test_the_activate_action_switches_the_active_policy(staff_client):
    nine = ScoringPolicy.objects.get(name__startswith="三等九级")

    response = staff_client.post(
        "/admin/credit/scoringpolicy/", {"action": "activate", "_selected_action": [nine.pk]}
    )

    assert response.status_code == 302
    assert list(ScoringPolicy.objects.filter(is_active=True)) == [nine]
