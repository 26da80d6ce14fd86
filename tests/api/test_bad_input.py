"""Every write endpoint refuses bad input with a 400 naming the offending field, and writes
nothing: no row (history rows included) is added, removed or changed."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from receivables import services
from tests.api.ledger_world import ACTION_DATE, api_client, db_state, row_counts
from tests.factories import valid_uscc

DAY = ACTION_DATE.isoformat()


def _bad_check_digit_uscc() -> str:
    good = valid_uscc(424242)
    return good[:-1] + ("0" if good[-1] != "0" else "1")


def _new_payment(world, amount: str):
    return services.payment_record(
        actor=world.users["finance"],
        customer=world.own.customer,
        received_on=ACTION_DATE,
        amount=Decimal(amount),
    )


def _rejected_write_off(world):
    services.write_off_reject(actor=world.users["manager"], write_off=world.own.write_off)
    return world.own.write_off


def _credit_note_allocation(world):
    return world.own.credit_note.allocations.get()


def _url(endpoint, obj=None, action=None) -> str:
    url = f"/api/v1/{endpoint}/"
    if obj is not None:
        url += f"{obj.pk}/"
    if action:
        url += f"{action}/"
    return url


def _customer(**fields):
    return {"code": "C-NEW", "legal_name": "杭州新客户科技有限公司", **fields}


def _contract(world, **fields):
    return {
        "customer": world.own.customer.pk,
        "number": "HT-NEW",
        "signed_on": "2026-01-05",
        "amount": "1000.00",
        **fields,
    }


def _invoice(world, **fields):
    line = {"description": "货物", "quantity": "1", "unit_price": "100.00", "tax_rate": "0.13"}
    return {"customer": world.own.customer.pk, "issue_date": DAY, "lines": [line], **fields}


def _line(**fields):
    return {"description": "货物", "quantity": "1", "unit_price": "100.00", **fields}


def _payment(world, **fields):
    return {"customer": world.own.customer.pk, "received_on": DAY, "amount": "500.00", **fields}


def _allocate(installment, amount):
    return {"allocations": [{"installment": installment.pk, "amount": amount}], "applied_on": DAY}


# id: (role, world -> (method, url, body, expected 400 body)). The builder runs before the
# snapshot is taken, so set-up it does (a fresh payment, a decided write-off) is not mistaken
# for a write by the request.
CASES = {
    # --- customers ---
    "customer-create-uscc-check-digit": (
        "finance",
        lambda w: (
            "post",
            _url("customers"),
            _customer(uscc=_bad_check_digit_uscc()),
            {"uscc": ["USCC check digit is wrong: expected T, got 0."]},
        ),
    ),
    "customer-create-uscc-taken": (
        "finance",
        lambda w: (
            "post",
            _url("customers"),
            _customer(uscc=w.own.customer.uscc),
            {"uscc": ["customer with this unified social credit code already exists."]},
        ),
    ),
    "customer-create-uscc-outside-china": (
        "finance",
        lambda w: (
            "post",
            _url("customers"),
            _customer(uscc=valid_uscc(7), country="HK"),
            {"uscc": ["A USCC only applies to customers registered in China (country CN)."]},
        ),
    ),
    "customer-create-code-taken": (
        "finance",
        lambda w: (
            "post",
            _url("customers"),
            _customer(code=w.own.customer.code),
            {"code": ["customer with this code already exists."]},
        ),
    ),
    "customer-create-negative-credit-limit": (
        "finance",
        lambda w: (
            "post",
            _url("customers"),
            _customer(credit_limit="-1.00"),
            {"credit_limit": ["The credit limit cannot be negative."]},
        ),
    ),
    "customer-create-credit-limit-not-a-number": (
        "finance",
        lambda w: (
            "post",
            _url("customers"),
            _customer(credit_limit="abc"),
            {"credit_limit": ["A valid number is required."]},
        ),
    ),
    "customer-create-unknown-currency": (
        "finance",
        lambda w: (
            "post",
            _url("customers"),
            _customer(currency="XYZ"),
            {"currency": ['"XYZ" is not a valid choice.']},
        ),
    ),
    "credit-request-negative-credit-limit": (
        "finance",
        lambda w: (
            "post",
            _url("credit-requests"),
            {"customer": w.own.customer.pk, "credit_limit": "-500.00", "reason": "降额"},
            {"credit_limit": ["The credit limit cannot be negative."]},
        ),
    ),
    "credit-request-without-a-reason": (
        "finance",
        lambda w: (
            "post",
            _url("credit-requests"),
            {"customer": w.own.customer.pk, "credit_limit": "500.00", "reason": ""},
            {"reason": ["This field may not be blank."]},
        ),
    ),
    "customer-update-credit-limit": (
        "finance",
        lambda w: (
            "patch",
            _url("customers", w.own.customer),
            {"credit_limit": "500.00"},
            {
                "credit_limit": [
                    "The credit limit changes only when a manager approves a credit change "
                    "request: request the change instead."
                ]
            },
        ),
    ),
    "customer-update-uscc-check-digit": (
        "finance",
        lambda w: (
            "patch",
            _url("customers", w.own.customer),
            {"uscc": _bad_check_digit_uscc()},
            {"uscc": ["USCC check digit is wrong: expected T, got 0."]},
        ),
    ),
    "customer-update-unknown-owner": (
        "finance",
        lambda w: (
            "patch",
            _url("customers", w.own.customer),
            {"owner": 999999},
            {"owner": ['Invalid pk "999999" - object does not exist.']},
        ),
    ),
    # --- contacts ---
    "contact-create-bad-phone": (
        "finance",
        lambda w: (
            "post",
            _url("contacts"),
            {"customer": w.own.customer.pk, "name": "王", "phone": "12345"},
            {"phone": ["“12345” is not a valid phone number."]},
        ),
    ),
    "contact-create-bad-email": (
        "finance",
        lambda w: (
            "post",
            _url("contacts"),
            {"customer": w.own.customer.pk, "name": "王", "email": "wang@"},
            {"email": ["Enter a valid email address."]},
        ),
    ),
    "contact-create-unknown-customer": (
        "finance",
        lambda w: (
            "post",
            _url("contacts"),
            {"customer": 999999, "name": "王"},
            {"customer": ['Invalid pk "999999" - object does not exist.']},
        ),
    ),
    "contact-create-customer-not-an-id": (
        "finance",
        lambda w: (
            "post",
            _url("contacts"),
            {"customer": "abc", "name": "王"},
            {"customer": ["Incorrect type. Expected pk value, received str."]},
        ),
    ),
    "contact-update-bad-phone": (
        "finance",
        lambda w: (
            "patch",
            _url("contacts", w.own.contact),
            {"phone": "0000"},
            {"phone": ["“0000” is not a valid phone number."]},
        ),
    ),
    "contact-update-moves-to-another-customer": (
        "finance",
        lambda w: (
            "patch",
            _url("contacts", w.own.contact),
            {"customer": w.other.customer.pk},
            {"customer": ["This field cannot be changed."]},
        ),
    ),
    # --- contracts ---
    "contract-create-ends-before-start": (
        "finance",
        lambda w: (
            "post",
            _url("contracts"),
            _contract(w, starts_on="2026-03-01", ends_on="2026-02-28"),
            {"ends_on": ["A contract cannot end before it starts."]},
        ),
    ),
    "contract-create-negative-amount": (
        "finance",
        lambda w: (
            "post",
            _url("contracts"),
            _contract(w, amount="-1.00"),
            {"amount": ["The amount must be positive."]},
        ),
    ),
    "contract-create-number-taken": (
        "finance",
        lambda w: (
            "post",
            _url("contracts"),
            _contract(w, number=w.other.contract.number),
            {"number": ["contract with this number already exists."]},
        ),
    ),
    "contract-create-unknown-currency": (
        "finance",
        lambda w: (
            "post",
            _url("contracts"),
            _contract(w, currency="XYZ"),
            {"currency": ['"XYZ" is not a valid choice.']},
        ),
    ),
    "contract-update-ends-before-start": (
        "finance",
        lambda w: (
            "patch",
            _url("contracts", w.own.contract),
            {"starts_on": "2026-03-01", "ends_on": "2026-01-01"},
            {"ends_on": ["A contract cannot end before it starts."]},
        ),
    ),
    # --- payment terms ---
    "terms-create-schedule-not-100": (
        "finance",
        lambda w: (
            "post",
            _url("payment-terms"),
            {
                "code": "P",
                "name": "P",
                "schedule": [{"percent": "30", "days": 30}, {"percent": "60", "days": 60}],
            },
            {"schedule": ["Installment percentages must add up to 100, not 90.00."]},
        ),
    ),
    "terms-create-schedule-zero-percent": (
        "finance",
        lambda w: (
            "post",
            _url("payment-terms"),
            {
                "code": "P",
                "name": "P",
                "schedule": [{"percent": "0", "days": 30}, {"percent": "100", "days": 60}],
            },
            {"schedule": ["Each installment's percent must be more than 0 and at most 100."]},
        ),
    ),
    "terms-create-schedule-out-of-order": (
        "finance",
        lambda w: (
            "post",
            _url("payment-terms"),
            {
                "code": "P",
                "name": "P",
                "schedule": [{"percent": "50", "days": 60}, {"percent": "50", "days": 30}],
            },
            {"schedule": ["Installments must be listed in order of their due days."]},
        ),
    ),
    "terms-create-discount-100-percent": (
        "finance",
        lambda w: (
            "post",
            _url("payment-terms"),
            {"code": "P", "name": "P", "discount_percent": "100"},
            {"discount_percent": ["The discount must be between 0 and 100%."]},
        ),
    ),
    "terms-create-net-days-not-a-number": (
        "finance",
        lambda w: (
            "post",
            _url("payment-terms"),
            {"code": "P", "name": "P", "net_days": "abc"},
            {"net_days": ["A valid integer is required."]},
        ),
    ),
    "terms-update-schedule-not-100": (
        "finance",
        lambda w: (
            "patch",
            _url("payment-terms", w.terms),
            {"schedule": [{"percent": "99.99", "days": 30}]},
            {"schedule": ["Installment percentages must add up to 100, not 99.99."]},
        ),
    ),
    "terms-update-negative-interest": (
        "finance",
        lambda w: (
            "patch",
            _url("payment-terms", w.terms),
            {"late_interest_daily_rate": "-0.0005"},
            {"late_interest_daily_rate": ["Late interest cannot be negative."]},
        ),
    ),
    # --- invoices ---
    "invoice-create-no-lines": (
        "finance",
        lambda w: (
            "post",
            _url("invoices"),
            _invoice(w, lines=[]),
            {"lines": ["An invoice needs at least one line."]},
        ),
    ),
    "invoice-create-negative-quantity": (
        "finance",
        lambda w: (
            "post",
            _url("invoices"),
            _invoice(w, lines=[_line(quantity="-3")]),
            {"lines": {"0": {"quantity": ["Quantity must be positive."]}}},
        ),
    ),
    "invoice-create-quantity-not-a-number": (
        "finance",
        lambda w: (
            "post",
            _url("invoices"),
            _invoice(w, lines=[_line(quantity="abc")]),
            {"lines": {"0": {"quantity": ["A valid number is required."]}}},
        ),
    ),
    "invoice-create-tax-rate-as-percent": (
        "finance",
        lambda w: (
            "post",
            _url("invoices"),
            _invoice(w, lines=[_line(tax_rate="13")]),
            {
                "lines": {
                    "0": {
                        "tax_rate": [
                            "Ensure that there are no more than 1 digits before the decimal point."
                        ]
                    }
                }
            },
        ),
    ),
    "invoice-create-unknown-customer": (
        "finance",
        lambda w: (
            "post",
            _url("invoices"),
            _invoice(w, customer=999999),
            {"customer": ['Invalid pk "999999" - object does not exist.']},
        ),
    ),
    "invoice-create-contract-of-another-customer": (
        "finance",
        lambda w: (
            "post",
            _url("invoices"),
            _invoice(w, contract=w.other.contract.pk),
            {"contract": ["The contract belongs to another customer."]},
        ),
    ),
    "invoice-update-no-lines": (
        "finance",
        lambda w: (
            "patch",
            _url("invoices", w.own.draft),
            {"lines": []},
            {"lines": ["An invoice needs at least one line."]},
        ),
    ),
    "invoice-update-issued": (
        "finance",
        lambda w: (
            "patch",
            _url("invoices", w.own.invoice),
            {"notes": "改"},
            {
                "status": [
                    f"Invoice {w.own.invoice.number} is issued and cannot change; "
                    "issue a credit note instead."
                ]
            },
        ),
    ),
    "invoice-issue-not-a-draft": (
        "finance",
        lambda w: (
            "post",
            _url("invoices", w.own.invoice, "issue"),
            None,
            {"status": ["Only a draft can be issued; this invoice is Partially paid."]},
        ),
    ),
    "invoice-cancel-not-a-draft": (
        "finance",
        lambda w: (
            "post",
            _url("invoices", w.own.invoice, "cancel"),
            None,
            {
                "status": [
                    "Only a draft can be cancelled; reduce an issued invoice with a credit note."
                ]
            },
        ),
    ),
    "invoice-dispute-a-draft": (
        "finance",
        lambda w: (
            "post",
            _url("invoices", w.own.draft, "dispute"),
            {"is_disputed": True},
            {"is_disputed": ["Only an issued invoice can be disputed."]},
        ),
    ),
    "invoice-dispute-not-a-boolean": (
        "finance",
        lambda w: (
            "post",
            _url("invoices", w.own.invoice, "dispute"),
            {"is_disputed": "maybe"},
            {"is_disputed": ["Must be a valid boolean."]},
        ),
    ),
    "invoice-delivery-sent-before-issue": (
        "finance",
        lambda w: (
            "post",
            _url("invoices", w.own.invoice, "delivery"),
            {"sent_on": "2026-01-09"},
            {"sent_on": ["An invoice cannot be sent before its issue date."]},
        ),
    ),
    # --- payments ---
    "payment-create-zero-amount": (
        "finance",
        lambda w: (
            "post",
            _url("payments"),
            _payment(w, amount="0"),
            {"amount": ["The amount must be positive."]},
        ),
    ),
    "payment-create-negative-amount": (
        "finance",
        lambda w: (
            "post",
            _url("payments"),
            _payment(w, amount="-100.00"),
            {"amount": ["The amount must be positive."]},
        ),
    ),
    "payment-create-amount-not-a-number": (
        "finance",
        lambda w: (
            "post",
            _url("payments"),
            _payment(w, amount="abc"),
            {"amount": ["A valid number is required."]},
        ),
    ),
    "payment-create-amount-too-precise": (
        "finance",
        lambda w: (
            "post",
            _url("payments"),
            _payment(w, amount="10.001"),
            {"amount": ["Ensure that there are no more than 2 decimal places."]},
        ),
    ),
    "payment-create-unknown-customer": (
        "finance",
        lambda w: (
            "post",
            _url("payments"),
            _payment(w, customer=999999),
            {"customer": ['Invalid pk "999999" - object does not exist.']},
        ),
    ),
    "payment-allocate-more-than-unapplied": (
        "finance",
        lambda w: (
            "post",
            _url("payments", _new_payment(w, "100.00"), "allocate"),
            _allocate(w.own.installment, "150.00"),
            {"allocations": ["The payment has only 100.00 unapplied."]},
        ),
    ),
    "payment-allocate-more-than-open": (
        "finance",
        lambda w: (
            "post",
            _url("payments", w.own.payment, "allocate"),
            _allocate(w.own.installment, "650.01"),
            {
                "allocations": [
                    f"Installment {w.own.invoice.number}/1 has only 650.00 open; "
                    "cannot apply 650.01."
                ]
            },
        ),
    ),
    "payment-allocate-installment-of-another-customer": (
        "finance",
        lambda w: (
            "post",
            _url("payments", w.own.payment, "allocate"),
            _allocate(w.other.installment, "10.00"),
            {
                "allocations": [
                    f"Installment {w.other.installment.pk} is not an open item of this customer."
                ]
            },
        ),
    ),
    "payment-allocate-amount-not-a-number": (
        "finance",
        lambda w: (
            "post",
            _url("payments", w.own.payment, "allocate"),
            _allocate(w.own.installment, "abc"),
            {"allocations": {"0": {"amount": ["A valid number is required."]}}},
        ),
    ),
    "payment-allocate-nothing": (
        "finance",
        lambda w: (
            "post",
            _url("payments", w.own.payment, "allocate"),
            {"allocations": []},
            {"allocations": ["Name at least one installment."]},
        ),
    ),
    "payment-allocate-before-received": (
        "finance",
        lambda w: (
            "post",
            _url("payments", w.own.payment, "allocate"),
            {**_allocate(w.own.installment, "10.00"), "applied_on": "2026-01-19"},
            {"applied_on": ["A payment cannot be applied before it was received."]},
        ),
    ),
    "payment-auto-allocate-date-not-a-date": (
        "finance",
        lambda w: (
            "post",
            _url("payments", w.own.payment, "auto-allocate"),
            {"applied_on": "soon"},
            {
                "applied_on": [
                    "Date has wrong format. Use one of these formats instead: YYYY-MM-DD."
                ]
            },
        ),
    ),
    "payment-reverse-without-reason": (
        "finance",
        lambda w: (
            "post",
            _url("payments", w.own.payment, "reverse"),
            {"reversed_on": DAY},
            {"reason": ["This field is required."]},
        ),
    ),
    "payment-reverse-blank-reason": (
        "finance",
        lambda w: (
            "post",
            _url("payments", w.own.payment, "reverse"),
            {"reversed_on": DAY, "reason": "   "},
            {"reason": ["This field may not be blank."]},
        ),
    ),
    "payment-reverse-before-received": (
        "finance",
        lambda w: (
            "post",
            _url("payments", w.own.payment, "reverse"),
            {"reversed_on": "2026-01-19", "reason": "退票"},
            {"reversed_on": ["A payment cannot be reversed before it was received."]},
        ),
    ),
    "payment-refund-more-than-unapplied": (
        "finance",
        lambda w: (
            "post",
            _url("payments", w.own.payment, "refund"),
            {"amount": "700.01", "refunded_on": DAY},
            {"amount": ["Only 700.00 of this payment is unapplied."]},
        ),
    ),
    "payment-refund-amount-not-a-number": (
        "finance",
        lambda w: (
            "post",
            _url("payments", w.own.payment, "refund"),
            {"amount": "abc", "refunded_on": DAY},
            {"amount": ["A valid number is required."]},
        ),
    ),
    # --- allocations ---
    "allocation-reverse-a-credit-note": (
        "finance",
        lambda w: (
            "post",
            _url("allocations", _credit_note_allocation(w), "reverse"),
            {"reversed_on": DAY},
            {
                "allocation": [
                    "Only payment allocations can be undone; credit notes and write-offs are final."
                ]
            },
        ),
    ),
    "allocation-reverse-before-applied": (
        "finance",
        lambda w: (
            "post",
            _url("allocations", w.own.allocation, "reverse"),
            {"reversed_on": "2026-01-19"},
            {"reversed_on": ["An allocation cannot be undone before it was made."]},
        ),
    ),
    # --- credit notes ---
    "credit-note-more-than-open": (
        "finance",
        lambda w: (
            "post",
            _url("credit-notes"),
            {"invoice": w.own.invoice.pk, "amount": "650.01", "reason": "折让", "issue_date": DAY},
            {
                "amount": [
                    f"Invoice {w.own.invoice.number} has only 650.00 open; "
                    "unapply payments first to credit more."
                ]
            },
        ),
    ),
    "credit-note-zero-amount": (
        "finance",
        lambda w: (
            "post",
            _url("credit-notes"),
            {"invoice": w.own.invoice.pk, "amount": "0", "reason": "折让", "issue_date": DAY},
            {"amount": ["The amount must be positive."]},
        ),
    ),
    "credit-note-on-a-draft": (
        "finance",
        lambda w: (
            "post",
            _url("credit-notes"),
            {"invoice": w.own.draft.pk, "amount": "10.00", "reason": "折让", "issue_date": DAY},
            {"invoice": ["Only an issued invoice can be credited."]},
        ),
    ),
    "credit-note-without-reason": (
        "finance",
        lambda w: (
            "post",
            _url("credit-notes"),
            {"invoice": w.own.invoice.pk, "amount": "10.00", "issue_date": DAY},
            {"reason": ["This field is required."]},
        ),
    ),
    # --- write-offs ---
    "write-off-more-than-open": (
        "finance",
        # 650.00 open, of which 100.00 is already proposed for write-off.
        lambda w: (
            "post",
            _url("write-offs"),
            {"installment": w.own.installment.pk, "amount": "550.01", "reason": "坏账"},
            {
                "amount": [
                    "Only 550.00 of this installment is open "
                    "and not already proposed for write-off."
                ]
            },
        ),
    ),
    "write-off-amount-not-a-number": (
        "finance",
        lambda w: (
            "post",
            _url("write-offs"),
            {"installment": w.own.installment.pk, "amount": "abc", "reason": "坏账"},
            {"amount": ["A valid number is required."]},
        ),
    ),
    "write-off-approve-already-decided": (
        "manager",
        lambda w: (
            "post",
            _url("write-offs", _rejected_write_off(w), "approve"),
            {},
            {"status": ["This write-off was already decided."]},
        ),
    ),
    "write-off-approve-date-not-a-date": (
        "manager",
        lambda w: (
            "post",
            _url("write-offs", w.own.write_off, "approve"),
            {"effective_on": "today"},
            {
                "effective_on": [
                    "Date has wrong format. Use one of these formats instead: YYYY-MM-DD."
                ]
            },
        ),
    ),
    "write-off-reject-already-decided": (
        "manager",
        lambda w: (
            "post",
            _url("write-offs", _rejected_write_off(w), "reject"),
            {},
            {"status": ["This write-off was already decided."]},
        ),
    ),
    # --- exchange rates ---
    "exchange-rate-zero": (
        "finance",
        lambda w: (
            "post",
            _url("exchange-rates"),
            {"currency": "USD", "rate_date": DAY, "rate_to_base": "0"},
            {"rate_to_base": ["An exchange rate must be positive."]},
        ),
    ),
    "exchange-rate-negative": (
        "finance",
        lambda w: (
            "post",
            _url("exchange-rates"),
            {"currency": "USD", "rate_date": DAY, "rate_to_base": "-7.1"},
            {"rate_to_base": ["An exchange rate must be positive."]},
        ),
    ),
    "exchange-rate-of-base-currency": (
        "finance",
        lambda w: (
            "post",
            _url("exchange-rates"),
            {"currency": "CNY", "rate_date": DAY, "rate_to_base": "1"},
            {"currency": ["The base currency needs no rate."]},
        ),
    ),
    "exchange-rate-unknown-currency": (
        "finance",
        lambda w: (
            "post",
            _url("exchange-rates"),
            {"currency": "XYZ", "rate_date": DAY, "rate_to_base": "1"},
            {"currency": ['"XYZ" is not a valid choice.']},
        ),
    ),
}


@pytest.mark.parametrize(("role", "build_case"), CASES.values(), ids=CASES.keys())
def test_bad_input_is_refused_naming_the_field_and_writes_nothing(world, db, role, build_case):
    method, url, body, expected_body = build_case(world)
    before = db_state()

    response = getattr(api_client(world.users[role]), method)(url, body, format="json")

    after = db_state()
    assert response.status_code == 400, response.content
    assert response.json() == expected_body
    assert row_counts(after) == row_counts(before)
    assert after == before


def test_malformed_json_is_refused_and_writes_nothing(world, db):
    before = db_state()

    response = api_client(world.users["finance"]).generic(
        "POST", "/api/v1/payments/", '{"customer": 1, "amount": ', content_type="application/json"
    )

    assert response.status_code == 400
    assert list(response.json()) == ["detail"]
    assert response.json()["detail"].startswith("JSON parse error")
    assert db_state() == before


# --- the contract's signed copy: a multipart upload, so not among the JSON cases ---------------


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _contract_upload(world, operation: str, signed_file) -> tuple[str, str, dict]:
    if operation == "create":
        return "post", _url("contracts"), {**_contract(world), "signed_file": signed_file}
    return "patch", _url("contracts", world.own.contract), {"signed_file": signed_file}


@pytest.mark.parametrize(
    ("name", "size", "message"),
    [
        (
            "tool.exe",
            2,
            "File extension “exe” is not allowed. Allowed extensions are: pdf, png, jpg, jpeg.",
        ),
        ("scan.pdf", services.SIGNED_FILE_MAX_BYTES + 1, "The file is larger than 20 MB."),
    ],
    ids=["not-pdf-or-image", "over-20-mb"],
)
@pytest.mark.parametrize("operation", ["create", "update"])
def test_a_signed_copy_that_breaks_the_rule_is_refused_and_nothing_is_stored(
    world, db, media_root, operation, name, size, message
):
    method, url, body = _contract_upload(world, operation, SimpleUploadedFile(name, b"0" * size))
    before = db_state()

    response = getattr(api_client(world.users["finance"]), method)(url, body, format="multipart")

    assert response.status_code == 400, response.content
    assert response.json() == {"signed_file": [message]}
    assert db_state() == before
    assert not media_root.exists()


@pytest.mark.parametrize("operation", ["create", "update"])
def test_a_signed_copy_of_exactly_20_mb_is_stored(world, db, media_root, operation):
    content = b"0" * services.SIGNED_FILE_MAX_BYTES
    method, url, body = _contract_upload(
        world, operation, SimpleUploadedFile("scan.PDF", content, content_type="application/pdf")
    )

    response = getattr(api_client(world.users["finance"]), method)(url, body, format="multipart")

    assert response.status_code in (200, 201), response.content
    contract = world.own.customer.contracts.get(pk=response.json()["id"])
    assert (media_root / contract.signed_file.name).read_bytes() == content
