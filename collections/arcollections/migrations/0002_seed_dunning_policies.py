"""Seed three dunning policies with their steps and templates in Chinese and English:

- STANDARD (the default): −3 courtesy e-mail; +1 and +7 e-mails; +15 call; +30 e-mail with the
  statement; +60 formal demand with the demand letter (manager approves); +90 legal escalation
  (manager approves; the customer leaves the cadence).
- KEY (tier A key accounts): gentler and later, the sales rep calls and visits, no automatic
  legal step.
- STRICT (ratings C, CC, CCC): earlier and firmer, invoices attached from the first reminder,
  legal escalation at +45.

Finance edits all of it on the policy pages; this only gives a working start. The texts are
copies (a migration must not read files or code that change later).
"""

from django.db import migrations

# --- template texts -------------------------------------------------------------------------

_ITEMS_ZH = (
    "{% for item in open_items %}\n"
    "  · 发票 {{ item.reference }}，到期日 {{ item.due_date }}，未付金额 {{ item.open_amount }}"
    "{% if item.days_overdue %}，已逾期 {{ item.days_overdue }} 天{% endif %}{% endfor %}"
)
_ITEMS_EN = (
    "{% for item in open_items %}\n"
    "  - Invoice {{ item.reference }}, due {{ item.due_date }}, open {{ item.open_amount }}"
    "{% if item.days_overdue %}, {{ item.days_overdue }} days overdue{% endif %}{% endfor %}"
)
_BANK_ZH = (
    "付款时请注明客户编号 {{ customer_code }}。收款账户：\n"
    "  户名：{{ bank_account_name }}\n"
    "  开户行：{{ bank_name }}\n"
    "  账号：{{ bank_account_number }}"
)
_BANK_EN = (
    "Please quote your customer code {{ customer_code }} with the payment. Our bank account:\n"
    "  Account name: {{ bank_account_name }}\n"
    "  Bank: {{ bank_name }}\n"
    "  Account number: {{ bank_account_number }}\n"
    "  SWIFT: {{ swift_code }}"
)
_SIGN_ZH = (
    "如有任何疑问，请致电 {{ company_phone }} 或发送邮件至 {{ company_email }}。\n\n"
    "此致\n敬礼！\n\n{{ company_name }}\n应收账款部\n{{ as_of }}"
)
_SIGN_EN = (
    "If you have any questions, please call {{ company_phone }} or write to "
    "{{ company_email }}.\n\nYours faithfully,\n\n{{ company_name }}\nAccounts Receivable\n"
    "{{ as_of }}"
)

TEXTS = {
    "courtesy": {
        "zh-hans": (
            "付款提醒：贵司款项即将到期（{{ customer_code }}）",
            "尊敬的{{ contact_name }}：\n\n"
            "您好！感谢贵司一直以来的支持与合作。\n\n"
            "截至{{ as_of }}，贵司（{{ customer_name }}）以下款项即将到期：" + _ITEMS_ZH + "\n\n"
            "应付合计：{{ total_open }}\n\n"
            "烦请贵司按期安排付款。" + _BANK_ZH + "\n\n"
            "如已安排付款，请忽略本提醒。" + _SIGN_ZH,
        ),
        "en": (
            "Payment reminder: amounts falling due ({{ customer_code }})",
            "Dear {{ contact_name }},\n\n"
            "Thank you for your continued business. As of {{ as_of }}, the following amounts "
            "of {{ customer_name }} fall due shortly:" + _ITEMS_EN + "\n\n"
            "Total due: {{ total_open }}\n\n"
            "We would be grateful for payment by the due date. " + _BANK_EN + "\n\n"
            "If you have already arranged payment, please disregard this reminder. " + _SIGN_EN,
        ),
    },
    "overdue": {
        "zh-hans": (
            "逾期付款提醒：贵司款项已逾期（{{ customer_code }}）",
            "尊敬的{{ contact_name }}：\n\n"
            "您好！截至{{ as_of }}，贵司（{{ customer_name }}）以下款项已逾期未付："
            + _ITEMS_ZH
            + "\n\n逾期合计：{{ total_overdue }}\n\n"
            "请于{{ pay_by }}前支付上述款项。" + _BANK_ZH + "\n\n"
            "如已付款，请忽略本通知，并烦请将付款凭证回复给我们以便核对。" + _SIGN_ZH,
        ),
        "en": (
            "Overdue payment reminder ({{ customer_code }})",
            "Dear {{ contact_name }},\n\n"
            "As of {{ as_of }}, the following amounts of {{ customer_name }} are overdue:"
            + _ITEMS_EN
            + "\n\nTotal overdue: {{ total_overdue }}\n\n"
            "Please pay these amounts by {{ pay_by }}. " + _BANK_EN + "\n\n"
            "If you have already paid, please disregard this notice and kindly send us the "
            "remittance advice. " + _SIGN_EN,
        ),
    },
    "second": {
        "zh-hans": (
            "第二次付款提醒：逾期款项 {{ total_overdue }}（{{ customer_code }}）",
            "尊敬的{{ contact_name }}：\n\n"
            "我司此前已就以下逾期款项向贵司发出提醒，截至{{ as_of }}仍未收到付款："
            + _ITEMS_ZH
            + "\n\n逾期合计：{{ total_overdue }}\n"
            "根据合同约定，逾期款项按日计收逾期利息，截至{{ as_of }}累计 "
            "{{ late_interest_total }}。\n\n"
            "请于{{ pay_by }}前支付全部逾期款项。" + _BANK_ZH + "\n\n"
            "如已付款，请忽略本通知。" + _SIGN_ZH,
        ),
        "en": (
            "Second reminder: {{ total_overdue }} overdue ({{ customer_code }})",
            "Dear {{ contact_name }},\n\n"
            "We wrote to you earlier about the following overdue amounts; as of {{ as_of }} we "
            "have not received payment:" + _ITEMS_EN + "\n\n"
            "Total overdue: {{ total_overdue }}\n"
            "Under our terms, late interest accrues daily on overdue amounts: "
            "{{ late_interest_total }} as of {{ as_of }}.\n\n"
            "Please pay all overdue amounts by {{ pay_by }}. " + _BANK_EN + "\n\n"
            "If you have already paid, please disregard this notice. " + _SIGN_EN,
        ),
    },
    "statement": {
        "zh-hans": (
            "逾期账款对账提醒（{{ customer_code }}）",
            "尊敬的{{ contact_name }}：\n\n"
            "截至{{ as_of }}，贵司以下款项最长已逾期 {{ max_days_overdue }} 天："
            + _ITEMS_ZH
            + "\n\n逾期合计：{{ total_overdue }}，逾期利息 {{ late_interest_total }}。\n\n"
            "随函附上贵司最新对账单，请核对。如对账目有异议，请于收到本邮件后尽快告知；"
            "如无异议，请于{{ pay_by }}前付清。" + _BANK_ZH + "\n\n"
            "如已付款，请忽略本通知。" + _SIGN_ZH,
        ),
        "en": (
            "Overdue account: statement enclosed ({{ customer_code }})",
            "Dear {{ contact_name }},\n\n"
            "As of {{ as_of }}, the following amounts are up to {{ max_days_overdue }} days "
            "overdue:" + _ITEMS_EN + "\n\n"
            "Total overdue: {{ total_overdue }}; late interest {{ late_interest_total }}.\n\n"
            "Please find your latest statement of account attached. If you disagree with any "
            "item, please tell us promptly; otherwise please pay by {{ pay_by }}. "
            + _BANK_EN
            + "\n\nIf you have already paid, please disregard this notice. "
            + _SIGN_EN,
        ),
    },
    "demand": {
        "zh-hans": (
            "催款函：{{ customer_name }} 逾期账款 {{ total_overdue }}",
            "{{ customer_name }}：\n\n"
            "我司已多次就贵司逾期账款发出提醒，但截至{{ as_of }}仍未收到付款。逾期明细如下："
            + _ITEMS_ZH
            + "\n\n"
            "逾期本金合计：{{ total_overdue }}\n逾期利息合计：{{ late_interest_total }}\n\n"
            "现正式函告：请贵司于{{ pay_by }}前付清上述全部逾期款项及逾期利息。逾期仍未支付的，"
            "我司将依法通过诉讼或仲裁等途径追偿，由此产生的律师费、诉讼费等一切费用由贵司承担。"
            "\n\n随函附上《催款函》正式文本。" + _BANK_ZH + "\n\n"
            "如已付款，请忽略本函并将付款凭证发送给我们。" + _SIGN_ZH,
        ),
        "en": (
            "Formal demand for payment: {{ total_overdue }} overdue ({{ customer_code }})",
            "To {{ customer_name }},\n\n"
            "Despite our earlier reminders, as of {{ as_of }} we have not received payment of "
            "the following overdue amounts:" + _ITEMS_EN + "\n\n"
            "Total overdue: {{ total_overdue }}\nLate interest: {{ late_interest_total }}\n\n"
            "We hereby formally demand payment of all overdue amounts and late interest by "
            "{{ pay_by }}. Failing payment, we will pursue the debt by legal means, including "
            "litigation or arbitration, at your cost.\n\n"
            "Our formal letter of demand is attached. " + _BANK_EN + "\n\n"
            "If you have already paid, please disregard this letter and send us the remittance "
            "advice. " + _SIGN_EN,
        ),
    },
    "call": {
        "zh-hans": (
            "电话催收：{{ customer_name }}（逾期 {{ total_overdue }}）",
            "请致电 {{ contact_name }}，确认以下逾期款项的付款安排"
            "（最长逾期 {{ max_days_overdue }} 天）：" + _ITEMS_ZH + "\n\n"
            "逾期合计：{{ total_overdue }}，逾期利息 {{ late_interest_total }}。\n"
            "请记录通话结果；客户承诺付款的，请登记承诺金额和日期；有异议的，请登记争议。",
        ),
        "en": (
            "Collection call: {{ customer_name }} ({{ total_overdue }} overdue)",
            "Call {{ contact_name }} about the following overdue amounts (up to "
            "{{ max_days_overdue }} days overdue):" + _ITEMS_EN + "\n\n"
            "Total overdue: {{ total_overdue }}; late interest {{ late_interest_total }}.\n"
            "Log the outcome; record a promise to pay with its amount and date, or a dispute.",
        ),
    },
    "visit": {
        "zh-hans": (
            "上门拜访：{{ customer_name }}（逾期 {{ total_overdue }}）",
            "请安排拜访 {{ customer_name }}，当面沟通以下逾期款项的付款计划"
            "（最长逾期 {{ max_days_overdue }} 天）：" + _ITEMS_ZH + "\n\n"
            "逾期合计：{{ total_overdue }}。请记录拜访结果及客户承诺的付款日期。",
        ),
        "en": (
            "Customer visit: {{ customer_name }} ({{ total_overdue }} overdue)",
            "Visit {{ customer_name }} to agree a payment plan for the following overdue "
            "amounts (up to {{ max_days_overdue }} days overdue):" + _ITEMS_EN + "\n\n"
            "Total overdue: {{ total_overdue }}. Log the outcome and any promised payment date.",
        ),
    },
    "legal": {
        "zh-hans": (
            "移交法务：{{ customer_name }}（逾期 {{ total_overdue }}）",
            "客户 {{ customer_name }}（{{ customer_code }}）最长逾期 {{ max_days_overdue }} 天，"
            "经多次催收仍未付款：" + _ITEMS_ZH + "\n\n"
            "逾期本金：{{ total_overdue }}\n逾期利息：{{ late_interest_total }}\n\n"
            "经批准后，本客户转入法务阶段（律师函），不再自动发送催款提醒。请将相关合同、发票、"
            "对账单及催收记录整理后移交律师。",
        ),
        "en": (
            "Legal escalation: {{ customer_name }} ({{ total_overdue }} overdue)",
            "{{ customer_name }} ({{ customer_code }}) is up to {{ max_days_overdue }} days "
            "overdue despite repeated reminders:" + _ITEMS_EN + "\n\n"
            "Overdue principal: {{ total_overdue }}\nLate interest: {{ late_interest_total }}\n\n"
            "Once approved, the customer moves to the legal stage (lawyer's letter) and "
            "automatic reminders stop. Hand the contracts, invoices, statements and collection "
            "log over to the lawyer.",
        ),
    },
}

# Steps: (offset days, name, channel, attachment, manager approves, escalates to legal, text)
POLICIES = [
    {
        "code": "STANDARD",
        "name": "标准催收策略",
        "description": "默认策略：到期前提醒，逾期后逐步升级，60 天发正式催款函，90 天移交法务。",
        "is_default": True,
        "for_tiers": "",
        "for_ratings": "",
        "steps": [
            (-3, "到期前提醒", "email", "", False, False, "courtesy"),
            (1, "逾期提醒", "email", "", False, False, "overdue"),
            (7, "第二次提醒", "email", "", False, False, "second"),
            (15, "电话催收", "call", "", False, False, "call"),
            (30, "对账提醒（附对账单）", "email", "statement", False, False, "statement"),
            (60, "正式催款函", "email", "demand_letter", True, False, "demand"),
            (90, "移交法务", "letter", "", True, True, "legal"),
        ],
    },
    {
        "code": "KEY",
        "name": "重点客户催收策略",
        "description": "A 类重点客户：提醒更温和、更晚，由销售代表电话和拜访，不自动移交法务。",
        "is_default": False,
        "for_tiers": "A",
        "for_ratings": "",
        "steps": [
            (-7, "到期前提醒", "email", "", False, False, "courtesy"),
            (3, "逾期提醒", "email", "", False, False, "overdue"),
            (10, "销售代表电话", "call", "", False, False, "call"),
            (21, "对账提醒（附对账单）", "email", "statement", False, False, "statement"),
            (45, "上门拜访", "visit", "", False, False, "visit"),
            (75, "正式催款函", "email", "demand_letter", True, False, "demand"),
        ],
    },
    {
        "code": "STRICT",
        "name": "高风险客户催收策略",
        "description": "信用评级 C/CC/CCC：更早、更严格，逾期即附发票，45 天移交法务。",
        "is_default": False,
        "for_tiers": "",
        "for_ratings": "C,CC,CCC",
        "steps": [
            (-5, "到期前提醒", "email", "", False, False, "courtesy"),
            (1, "逾期提醒（附发票）", "email", "invoices", False, False, "overdue"),
            (5, "电话催收", "call", "", False, False, "call"),
            (10, "催款通知（附催款通知书）", "email", "reminder_letter", False, False, "second"),
            (20, "正式催款函", "email", "demand_letter", True, False, "demand"),
            (45, "移交法务", "letter", "", True, True, "legal"),
        ],
    },
]


def seed_policies(apps, schema_editor):
    DunningPolicy = apps.get_model("arcollections", "DunningPolicy")
    DunningStep = apps.get_model("arcollections", "DunningStep")
    DunningTemplate = apps.get_model("arcollections", "DunningTemplate")
    for spec in POLICIES:
        if DunningPolicy.objects.filter(code=spec["code"]).exists():
            continue
        policy = DunningPolicy.objects.create(
            code=spec["code"],
            name=spec["name"],
            description=spec["description"],
            is_default=spec["is_default"]
            and not DunningPolicy.objects.filter(is_default=True).exists(),
            for_tiers=spec["for_tiers"],
            for_ratings=spec["for_ratings"],
        )
        for offset, name, channel, attachment, approval, legal, text in spec["steps"]:
            step = DunningStep.objects.create(
                policy=policy,
                name=name,
                offset_days=offset,
                channel=channel,
                attachment=attachment,
                requires_approval=approval,
                escalates_to_legal=legal,
            )
            for language, (subject, body) in TEXTS[text].items():
                DunningTemplate.objects.create(
                    step=step, language=language, subject=subject, body=body
                )


def remove_unused_policies(apps, schema_editor):
    DunningPolicy = apps.get_model("arcollections", "DunningPolicy")
    DunningMessage = apps.get_model("arcollections", "DunningMessage")
    codes = [spec["code"] for spec in POLICIES]
    used = set(
        DunningMessage.objects.filter(step__policy__code__in=codes).values_list(
            "step__policy__code", flat=True
        )
    )
    DunningPolicy.objects.filter(code__in=set(codes) - used).delete()


class Migration(migrations.Migration):
    dependencies = [("arcollections", "0001_initial")]

    operations = [migrations.RunPython(seed_policies, remove_unused_policies)]
