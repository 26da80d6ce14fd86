"""Demo data for the whole ledger, generated from a seed: the same seed and `as_of` always give
the same customers, documents, amounts and numbers.

What is seeded (`seed_demo`):
- users, one per role, all with the password `DEMO_PASSWORD`: admin (superuser), finance,
  manager, manager2 (so a write-off requested by one manager can be approved by the other),
  auditor, sales1..sales5 (each owns the customers of a sales territory, see `TERRITORIES`);
- payment terms (NET30, NET60, 月结 EOM30/EOM60, 2/10 NET30, a 30/40/30 installment schedule)
  and month-end exchange rates for USD, EUR and HKD, through the services;
- customers (about 85% Chinese, with valid and unique USCCs; 15% foreign, invoicing in USD, EUR
  or HKD) with contacts, contracts and 18 months of invoices ending at `as_of`, paid the way
  real customers pay: mostly on time, some late, some in part, a few disputes, one defaulter in
  every twenty customers, prepayments and overpayments left as credit, refunds, credit notes
  (one in ten of them cancelling the whole invoice), and a write-off request on each of the
  first two defaulters, waiting for a manager (the first is manager's, for manager2 to decide).

How:
- `generate_customers` is pure. Each customer draws from its own `random.Random`, seeded with
  (seed, customer number), and the mix (origin, tier, payment behaviour) is dealt in blocks of
  twenty, so every block has the same proportions and the first n customers are the same
  whatever the requested count.
- `seed_demo` writes in one transaction, with `bulk_create`, a few hundred customers at a
  time, so memory stays flat at 100,000 customers. It does not call the per-row services (far
  too slow for a million invoices); it repeats their arithmetic instead: line amounts and tax
  with `core.money.quantize`, installments with `services.installment_schedule`, open and
  unapplied amounts as amount minus allocations (minus refunds), and invoice and payment
  statuses from `Invoice.status_from_ledger` and `Payment.status_from_balance`, the rules the
  services use.
- Document numbers are gap-free per year and follow the document dates, as the services would
  have issued them: a first pass over the generator counts documents per date, the second
  hands out numbers and writes. `DocumentSequence` rows end at the last number used, so
  `services.invoice_issue` and friends carry on without collision.
- History: with at most `HISTORY_MAX_CUSTOMERS` customers every seeded row gets a "created"
  history record (user admin, reason "seed_demo"), so the audit trail has a starting point;
  above that no seeded row gets one, since at 100,000 customers it would double the writes.
  Users have no history; payment terms and exchange rates go through the services and always
  have theirs.
- Idempotent: if any customer exists nothing is written, so `make run` can call it every time
  and it never touches a database that holds real customers.
"""

import calendar
import random
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as time_of_day
from decimal import Decimal
from itertools import islice

from dateutil.relativedelta import relativedelta
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import reset_queries, transaction
from django.utils import timezone
from stdnum.cn import uscc as stdnum_uscc

from accounts.roles import Role
from core.money import ZERO, quantize
from customers.models import Contact, Customer
from customers.services import name_initials
from customers.validators import USCC_ALPHABET, normalize_phone
from receivables.models import (
    Allocation,
    Contract,
    CreditNote,
    DocumentSequence,
    ExchangeRate,
    Installment,
    Invoice,
    InvoiceLine,
    Payment,
    PaymentTerms,
    Refund,
    WriteOff,
)
from receivables.selectors import payment_terms_all
from receivables.services import (
    CREDIT_NOTE_PREFIX,
    INVOICE_PREFIX,
    PAYMENT_PREFIX,
    exchange_rate_set,
    installment_schedule,
    payment_terms_create,
)

# The password of every demo user. Demo only: the command refuses to run with DEBUG off.
DEMO_PASSWORD = "huikuan-demo"

HISTORY_MAX_CUSTOMERS = 2000
CUSTOMERS_PER_FLUSH = 500
BATCH_SIZE = 5000
HISTORY_CHANGE_REASON = "seed_demo"
MONTHS_OF_HISTORY = 18
WRITE_OFF_REQUESTS = 2


# --- users -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: Role
    last_name: str
    first_name: str
    is_superuser: bool = False


DEMO_USERS = (
    DemoUser("admin", Role.ADMIN, "系统", "管理员", is_superuser=True),
    DemoUser("finance", Role.FINANCE, "王", "芳"),
    DemoUser("manager", Role.MANAGER, "李", "强"),
    DemoUser("manager2", Role.MANAGER, "陈", "静"),
    DemoUser("auditor", Role.AUDITOR, "赵", "敏"),
    DemoUser("sales1", Role.SALES, "刘", "洋"),
    DemoUser("sales2", Role.SALES, "黄", "磊"),
    DemoUser("sales3", Role.SALES, "周", "婷"),
    DemoUser("sales4", Role.SALES, "吴", "杰"),
    DemoUser("sales5", Role.SALES, "孙", "丽"),
)

# Sales territories: a customer belongs to the rep of its region.
TERRITORIES = {
    "华东": "sales1",
    "华南": "sales2",
    "华北": "sales3",
    "东北": "sales3",
    "华中": "sales4",
    "西南": "sales4",
    "西北": "sales4",
    "海外": "sales5",
}


# --- payment terms -----------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoTerms:
    code: str
    name: str
    net_days: int
    basis: str = PaymentTerms.Basis.INVOICE_DATE
    discount_percent: Decimal = ZERO
    discount_days: int = 0
    late_interest_daily_rate: Decimal = Decimal("0")
    schedule: tuple[tuple[Decimal, int], ...] = ()  # (percent, days)


NET30, NET60, EOM30, EOM60, DISCOUNT_2_10, INSTALLMENTS = (
    "NET30",
    "NET60",
    "EOM30",
    "EOM60",
    "2-10-NET30",
    "INST-30-40-30",
)
DEMO_TERMS = (
    # 万分之五 a day is the late-payment interest Chinese supply contracts commonly stipulate.
    DemoTerms(NET30, "发票日后30天 (Net 30)", 30, late_interest_daily_rate=Decimal("0.0005")),
    DemoTerms(NET60, "发票日后60天 (Net 60)", 60, late_interest_daily_rate=Decimal("0.0005")),
    DemoTerms(EOM30, "月结30天", 30, basis=PaymentTerms.Basis.END_OF_MONTH),
    DemoTerms(EOM60, "月结60天", 60, basis=PaymentTerms.Basis.END_OF_MONTH),
    DemoTerms(DISCOUNT_2_10, "2/10 净30天", 30, discount_percent=Decimal("2"), discount_days=10),
    DemoTerms(
        INSTALLMENTS,
        "分期 30%/40%/30%（30/60/90天）",
        90,
        schedule=((Decimal(30), 30), (Decimal(40), 60), (Decimal(30), 90)),
    ),
)

# Default terms by tier (weights); foreign customers get plain net terms.
TERMS_BY_TIER = {
    Customer.Tier.A: ((EOM60, 3), (NET60, 3), (EOM30, 2)),
    Customer.Tier.B: ((NET30, 45), (EOM30, 35), (DISCOUNT_2_10, 20)),
    Customer.Tier.C: ((NET30, 80), (DISCOUNT_2_10, 20)),
}
FOREIGN_TERMS = ((NET30, 2), (NET60, 1))


# --- word lists --------------------------------------------------------------------------------


@dataclass(frozen=True)
class City:
    name: str
    pinyin: str
    region: str
    weight: int
    # (district, administrative division code: positions 3-8 of a USCC)
    districts: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Product:
    zh: str
    en: str
    tax_rate: Decimal
    # "goods": whole units; "bulk": tonnes or metres, one decimal; "service": a fee
    kind: str = "goods"


@dataclass(frozen=True)
class Industry:
    name: str  # the customer's industry field
    segment: str  # the business part of a legal name: 恒信[电子科技]有限公司
    short: str  # after the trade name in a short name: 恒信[电子]
    english: str
    weight: int
    products: tuple[Product, ...]


TAX_13 = Decimal("0.13")
TAX_6 = Decimal("0.06")
TAX_0 = Decimal("0")

# Tables are laid out by hand, one entry a line, so they read as tables.
# fmt: off
CITIES = (
    City("上海", "shanghai", "华东", 9,
         (("浦东新区", "310115"), ("闵行区", "310112"), ("嘉定区", "310114"))),
    City("杭州", "hangzhou", "华东", 5,
         (("滨江区", "330108"), ("余杭区", "330110"), ("西湖区", "330106"))),
    City("宁波", "ningbo", "华东", 3, (("鄞州区", "330212"), ("北仑区", "330206"))),
    City("苏州", "suzhou", "华东", 5, (("吴中区", "320506"), ("昆山市", "320583"))),
    City("南京", "nanjing", "华东", 4, (("江宁区", "320115"), ("鼓楼区", "320106"))),
    City("无锡", "wuxi", "华东", 3, (("新吴区", "320214"), ("滨湖区", "320211"))),
    City("合肥", "hefei", "华东", 2, (("蜀山区", "340104"), ("包河区", "340111"))),
    City("济南", "jinan", "华东", 2, (("历下区", "370102"), ("历城区", "370112"))),
    City("青岛", "qingdao", "华东", 3, (("黄岛区", "370211"), ("崂山区", "370212"))),
    City("厦门", "xiamen", "华东", 2, (("思明区", "350203"), ("湖里区", "350206"))),
    City("福州", "fuzhou", "华东", 2, (("鼓楼区", "350102"), ("仓山区", "350104"))),
    City("广州", "guangzhou", "华南", 6,
         (("天河区", "440106"), ("番禺区", "440113"), ("黄埔区", "440112"))),
    City("深圳", "shenzhen", "华南", 8,
         (("南山区", "440305"), ("福田区", "440304"), ("宝安区", "440306"))),
    City("东莞", "dongguan", "华南", 4, (("松山湖", "441900"), ("长安镇", "441900"))),
    City("佛山", "foshan", "华南", 3, (("顺德区", "440606"), ("南海区", "440605"))),
    City("南宁", "nanning", "华南", 1, (("青秀区", "450103"),)),
    City("海口", "haikou", "华南", 1, (("龙华区", "460106"),)),
    City("北京", "beijing", "华北", 7,
         (("朝阳区", "110105"), ("海淀区", "110108"), ("丰台区", "110106"))),
    City("天津", "tianjin", "华北", 3, (("滨海新区", "120116"), ("西青区", "120111"))),
    City("石家庄", "shijiazhuang", "华北", 1, (("长安区", "130102"),)),
    City("太原", "taiyuan", "华北", 1, (("小店区", "140105"),)),
    City("武汉", "wuhan", "华中", 4, (("洪山区", "420111"), ("江汉区", "420103"))),
    City("长沙", "changsha", "华中", 3, (("岳麓区", "430104"), ("雨花区", "430111"))),
    City("郑州", "zhengzhou", "华中", 3, (("金水区", "410105"), ("中原区", "410102"))),
    City("南昌", "nanchang", "华中", 1, (("红谷滩区", "360113"),)),
    City("成都", "chengdu", "西南", 5,
         (("武侯区", "510107"), ("锦江区", "510104"), ("双流区", "510116"))),
    City("重庆", "chongqing", "西南", 4, (("渝北区", "500112"), ("九龙坡区", "500107"))),
    City("昆明", "kunming", "西南", 1, (("五华区", "530102"), ("官渡区", "530111"))),
    City("贵阳", "guiyang", "西南", 1, (("观山湖区", "520115"),)),
    City("西安", "xian", "西北", 3, (("雁塔区", "610113"), ("未央区", "610112"))),
    City("兰州", "lanzhou", "西北", 1, (("城关区", "620102"),)),
    City("乌鲁木齐", "wulumuqi", "西北", 1, (("天山区", "650102"),)),
    City("沈阳", "shenyang", "东北", 2, (("和平区", "210102"), ("浑南区", "210112"))),
    City("大连", "dalian", "东北", 2, (("甘井子区", "210211"), ("中山区", "210202"))),
    City("长春", "changchun", "东北", 1, (("朝阳区", "220104"),)),
    City("哈尔滨", "haerbin", "东北", 1, (("南岗区", "230103"),)),
)

# 字号 (trade-name) characters with their pinyin; two of them make a company's trade name.
BRAND_CHARS = (
    ("恒", "heng"), ("信", "xin"), ("华", "hua"), ("盛", "sheng"), ("鑫", "xin"), ("达", "da"),
    ("隆", "long"), ("泰", "tai"), ("丰", "feng"), ("源", "yuan"), ("瑞", "rui"), ("祥", "xiang"),
    ("宏", "hong"), ("远", "yuan"), ("创", "chuang"), ("新", "xin"), ("天", "tian"), ("海", "hai"),
    ("金", "jin"), ("博", "bo"), ("诚", "cheng"), ("德", "de"), ("嘉", "jia"), ("安", "an"),
    ("永", "yong"), ("昌", "chang"), ("兴", "xing"), ("佳", "jia"), ("启", "qi"), ("明", "ming"),
    ("亿", "yi"), ("汇", "hui"), ("联", "lian"), ("通", "tong"), ("中", "zhong"), ("宇", "yu"),
    ("凯", "kai"), ("润", "run"), ("晟", "sheng"), ("辰", "chen"), ("骏", "jun"), ("卓", "zhuo"),
    ("越", "yue"), ("腾", "teng"), ("飞", "fei"), ("锦", "jin"), ("万", "wan"), ("福", "fu"),
    ("康", "kang"), ("宁", "ning"), ("东", "dong"), ("方", "fang"), ("捷", "jie"), ("立", "li"),
    ("思", "si"), ("睿", "rui"), ("优", "you"), ("智", "zhi"), ("星", "xing"), ("光", "guang"),
    ("蓝", "lan"), ("鼎", "ding"), ("峰", "feng"), ("益", "yi"), ("力", "li"), ("美", "mei"),
)

INDUSTRIES = (
    Industry("电子制造", "电子科技", "电子", "Electronics", 9, (
        Product("电子元器件", "Electronic components", TAX_13),
        Product("PCB电路板", "Printed circuit boards", TAX_13),
        Product("电源模块", "Power supply modules", TAX_13),
        Product("技术服务费", "Engineering services", TAX_6, "service"),
    )),
    Industry("汽车零部件", "汽车零部件", "汽配", "Auto Parts", 7, (
        Product("制动盘", "Brake discs", TAX_13),
        Product("转向节总成", "Steering knuckle assemblies", TAX_13),
        Product("模具开发费", "Tooling development", TAX_13, "service"),
    )),
    Industry("医药", "医药", "医药", "Pharma", 4, (
        Product("原料药", "Active pharmaceutical ingredients", TAX_13, "bulk"),
        Product("制剂", "Finished dosage forms", TAX_13),
        Product("临床研究服务费", "Clinical research services", TAX_6, "service"),
    )),
    Industry("医疗器械", "医疗器械", "医疗", "Medical Devices", 3, (
        Product("一次性输液器", "Infusion sets", TAX_13),
        Product("监护仪", "Patient monitors", TAX_13),
        Product("设备维保服务", "Maintenance contract", TAX_6, "service"),
    )),
    Industry("化工", "化工", "化工", "Chemicals", 5, (
        Product("工业涂料", "Industrial coatings", TAX_13, "bulk"),
        Product("环氧树脂", "Epoxy resin", TAX_13, "bulk"),
        Product("助剂", "Additives", TAX_13, "bulk"),
    )),
    Industry("食品饮料", "食品", "食品", "Foods", 4, (
        Product("冷冻食品", "Frozen foods", TAX_13),
        Product("调味品", "Condiments", TAX_13),
        Product("饮料", "Beverages", TAX_13),
    )),
    Industry("纺织服装", "纺织", "纺织", "Textiles", 4, (
        Product("棉纱", "Cotton yarn", TAX_13, "bulk"),
        Product("针织面料", "Knitted fabric", TAX_13, "bulk"),
        Product("成衣加工费", "Garment processing", TAX_13, "service"),
    )),
    Industry("机械设备", "机械设备", "机械", "Machinery", 6, (
        Product("数控机床", "CNC machine tools", TAX_13),
        Product("液压件", "Hydraulic components", TAX_13),
        Product("安装调试服务", "Installation and commissioning", TAX_6, "service"),
    )),
    Industry("软件与信息技术", "信息技术", "信息", "Software", 6, (
        Product("软件许可", "Software licences", TAX_13),
        Product("技术开发服务", "Software development services", TAX_6, "service"),
        Product("运维服务费", "Managed services", TAX_6, "service"),
    )),
    Industry("建筑材料", "建材", "建材", "Building Materials", 4, (
        Product("水泥", "Cement", TAX_13, "bulk"),
        Product("螺纹钢", "Rebar", TAX_13, "bulk"),
        Product("铝型材", "Aluminium profiles", TAX_13, "bulk"),
    )),
    Industry("物流与供应链", "供应链管理", "供应链", "Logistics", 4, (
        Product("仓储服务费", "Warehousing", TAX_6, "service"),
        Product("供应链管理服务费", "Supply chain management fee", TAX_6, "service"),
    )),
    Industry("新能源", "新能源科技", "新能源", "Solar", 4, (
        Product("光伏组件", "Solar modules", TAX_13),
        Product("锂电池模组", "Lithium battery modules", TAX_13),
        Product("储能系统", "Energy storage systems", TAX_13),
    )),
    Industry("家用电器", "电器", "电器", "Appliances", 3, (
        Product("空调压缩机", "Air-conditioner compressors", TAX_13),
        Product("小家电", "Small appliances", TAX_13),
    )),
    Industry("商贸零售", "商贸", "商贸", "Trading", 5, (
        Product("日用百货", "Household goods", TAX_13),
        Product("办公用品", "Office supplies", TAX_13),
    )),
    Industry("企业服务", "企业管理咨询", "咨询", "Consulting", 3, (
        Product("咨询服务费", "Consulting fees", TAX_6, "service"),
        Product("培训服务费", "Training", TAX_6, "service"),
    )),
    Industry("文化传媒", "文化传媒", "传媒", "Media", 2, (
        Product("广告发布费", "Advertising", TAX_6, "service"),
        Product("展会服务费", "Trade-fair services", TAX_6, "service"),
    )),
    # Farmers selling their own produce are VAT-exempt (农业生产者销售自产农产品免征增值税).
    Industry("农业", "农业发展", "农业", "Agri", 2, (
        Product("自产蔬菜", "Vegetables", TAX_0, "bulk"),
        Product("自产水果", "Fruit", TAX_0, "bulk"),
    )),
)

SURNAMES = (
    ("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"), ("杨", "yang"),
    ("黄", "huang"), ("赵", "zhao"), ("吴", "wu"), ("周", "zhou"), ("徐", "xu"), ("孙", "sun"),
    ("马", "ma"), ("朱", "zhu"), ("胡", "hu"), ("郭", "guo"), ("何", "he"), ("高", "gao"),
    ("林", "lin"), ("罗", "luo"), ("郑", "zheng"), ("梁", "liang"), ("谢", "xie"), ("宋", "song"),
    ("唐", "tang"), ("许", "xu"), ("韩", "han"), ("冯", "feng"), ("邓", "deng"), ("彭", "peng"),
)
GIVEN_NAME_CHARS = (
    ("伟", "wei"), ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"), ("丽", "li"),
    ("强", "qiang"), ("磊", "lei"), ("洋", "yang"), ("艳", "yan"), ("勇", "yong"), ("军", "jun"),
    ("杰", "jie"), ("娟", "juan"), ("涛", "tao"), ("明", "ming"), ("超", "chao"), ("秀", "xiu"),
    ("霞", "xia"), ("平", "ping"), ("刚", "gang"), ("桂", "gui"), ("英", "ying"), ("华", "hua"),
    ("建", "jian"), ("文", "wen"), ("玲", "ling"), ("斌", "bin"), ("宇", "yu"), ("浩", "hao"),
    ("凯", "kai"), ("晨", "chen"), ("雪", "xue"), ("琳", "lin"), ("欣", "xin"), ("婷", "ting"),
)
CN_CONTACT_TITLES = (
    "财务经理", "财务总监", "会计", "出纳", "应付账款专员", "采购经理", "总经理助理",
)
ROADS = (
    "科技路", "人民路", "建设路", "中山路", "解放路", "长江路", "创新大道", "高新大道",
    "工业园路", "世纪大道", "滨江路", "和平路",
)
BUILDING_SUFFIXES = ("", "A座", "B座", "1号楼", "2号楼", "科技园3栋")
# Mobile prefixes the numbering plan gives China Mobile, China Unicom and China Telecom.
CN_MOBILE_PREFIXES = (
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "155",
    "156", "157", "158", "159", "177", "180", "181", "182", "183", "185", "186", "187", "188",
    "189", "198", "199",
)

# (country, currency, weight, legal forms, phone template: "#" is a random digit)
FOREIGN_COUNTRIES = (
    ("US", "USD", 4, ("Inc.", "LLC", "Corp."), "+1 {area} ### ####"),
    ("HK", "HKD", 3, ("Limited", "Co., Ltd."), "+852 9### ####"),
    ("DE", "EUR", 2, ("GmbH",), "+49 151 ########"),
    ("GB", "USD", 2, ("Ltd",), "+44 7### ######"),
    ("SG", "USD", 2, ("Pte. Ltd.",), "+65 9### ####"),
    ("JP", "USD", 1, ("Co., Ltd.",), "+81 90 #### ####"),
    ("FR", "EUR", 1, ("SAS",), "+33 6 ## ## ## ##"),
    ("NL", "EUR", 1, ("B.V.",), "+31 6 ########"),
)
US_AREA_CODES = ("212", "415", "312", "617", "206", "305", "713", "404", "408", "646")
FOREIGN_ADDRESSES = {
    "US": (
        "1200 Harbor Blvd, Suite 300, San Francisco, CA 94105, USA",
        "75 State Street, Boston, MA 02109, USA",
        "400 Pine Street, Seattle, WA 98101, USA",
    ),
    "HK": (
        "18/F, Harbour Centre, 25 Harbour Road, Wan Chai, Hong Kong",
        "Unit 1203, 12/F, Kwun Tong Plaza, Kwun Tong, Kowloon, Hong Kong",
    ),
    "DE": (
        "Industriestraße 12, 70565 Stuttgart, Germany",
        "Hafenstraße 8, 20457 Hamburg, Germany",
    ),
    "GB": (
        "22 Thames Court, Reading RG1 3BD, United Kingdom",
        "5 Exchange Square, Manchester M4 3TR, United Kingdom",
    ),
    "SG": ("10 Anson Road, #21-02 International Plaza, Singapore 079903",),
    "JP": ("2-3-1 Nishi-Shinjuku, Shinjuku-ku, Tokyo 163-0001, Japan",),
    "FR": ("14 Rue de la République, 69002 Lyon, France",),
    "NL": ("Wilhelminakade 91, 3072 AP Rotterdam, Netherlands",),
}
EN_NAME_PREFIXES = (
    "Pacific Rim", "Northstar", "Blue Ridge", "Harbourfront", "Silverline", "Evergreen",
    "Golden Gate", "Lionrock", "Redwood", "Crescent", "Summit", "Meridian", "Atlas", "Orion",
    "Keystone", "Riverside", "Highland", "Bayview", "Sterling", "Aurora", "Cobalt", "Lighthouse",
)
EN_FIRST_NAMES = (
    "James", "Mary", "Robert", "Linda", "Michael", "Sarah", "David", "Emma", "Thomas", "Anna",
    "Daniel", "Laura", "Peter", "Julia", "Kevin", "Grace",
)
EN_LAST_NAMES = (
    "Smith", "Johnson", "Brown", "Miller", "Wilson", "Taylor", "Clark", "Walker", "Wright",
    "Mueller", "Schmidt", "Tan", "Wong", "Lee", "Sato", "Martin",
)
EN_CONTACT_TITLES = (
    "Accounts Payable Manager", "Finance Director", "Controller", "Procurement Manager",
    "AP Specialist",
)

CREDIT_NOTE_REASONS = {
    "zh": ("价格调整", "退货冲减", "质量问题折让", "数量差异"),
    "en": ("Price adjustment", "Returned goods", "Quality claim allowance", "Quantity difference"),
}
FULL_CREDIT_REASON = {
    "zh": "开票信息有误，全额红冲",
    "en": "Invoice issued in error, fully credited",
}
WRITE_OFF_REASONS = (
    "客户已停业，多次催收无果，申请核销坏账",
    "客户进入破产清算，预计无法收回，申请核销",
)
# fmt: on

# Rough CNY per unit, to give foreign invoices plausible amounts.
APPROXIMATE_CNY_RATE = {"USD": 7.2, "EUR": 7.8, "HKD": 0.92}

# Customers are dealt in blocks of twenty with these mixes, shuffled within each block: every
# block has 85% Chinese customers, 3 key accounts, a defaulter and a customer who prepays.
BLOCK = 20
BLOCK_ORIGINS = ("CN",) * 17 + ("FOREIGN",) * 3
BLOCK_TIERS = (Customer.Tier.A,) * 3 + (Customer.Tier.B,) * 10 + (Customer.Tier.C,) * 7
PROMPT, LATE, PARTIAL, DEFAULTER, PREPAYER = "prompt", "late", "partial", "defaulter", "prepayer"
BLOCK_BEHAVIOURS = (PROMPT,) * 11 + (LATE,) * 5 + (PARTIAL,) * 2 + (DEFAULTER, PREPAYER)

INVOICES_PER_TIER = {Customer.Tier.A: (12, 20), Customer.Tier.B: (7, 12), Customer.Tier.C: (2, 6)}
# Line amounts in CNY, drawn from a triangular distribution (low, high, mode).
LINE_AMOUNT_CNY = {
    Customer.Tier.A: (20_000, 600_000, 80_000),
    Customer.Tier.B: (3_000, 120_000, 15_000),
    Customer.Tier.C: (500, 30_000, 3_000),
}
CREDIT_LIMIT_CNY = {
    Customer.Tier.A: (500_000, 5_000_000),
    Customer.Tier.B: (100_000, 800_000),
    Customer.Tier.C: (20_000, 150_000),
}
CREDIT_RATINGS = {
    Customer.Tier.A: ("AAA", "AA"),
    Customer.Tier.B: ("A", "BBB"),
    Customer.Tier.C: ("BB", "B"),
}


# --- generated records -------------------------------------------------------------------------


@dataclass(slots=True)
class DemoInstallment:
    sequence: int
    due_date: date
    discount_date: date | None
    amount: Decimal
    open_amount: Decimal
    settled_on: date | None = None

    def settle(self, amount: Decimal, on_date: date) -> None:
        """What services._settle does: reduce the open amount, note the day it reached zero."""
        self.open_amount -= amount
        assert self.open_amount >= 0, "allocation exceeds the open amount"
        self.settled_on = on_date if self.open_amount == 0 else None


@dataclass(slots=True)
class DemoAllocation:
    installment: DemoInstallment
    amount: Decimal
    applied_on: date


@dataclass(slots=True)
class DemoLine:
    description: str
    quantity: Decimal
    unit_price: Decimal
    tax_rate: Decimal
    amount: Decimal
    tax_amount: Decimal


@dataclass(slots=True)
class DemoCreditNote:
    issue_date: date
    amount: Decimal
    reason: str
    allocations: list[DemoAllocation]


@dataclass(slots=True)
class DemoInvoice:
    issue_date: date
    terms_code: str
    contract: int | None  # index into the customer's contracts
    lines: list[DemoLine]
    subtotal: Decimal
    tax_total: Decimal
    total: Decimal
    installments: list[DemoInstallment]
    is_disputed: bool = False
    fapiao_number: str = ""
    sent_on: date | None = None
    receipt_confirmed_on: date | None = None
    credit_note: DemoCreditNote | None = None
    paid: Decimal = ZERO
    status: str = Invoice.Status.ISSUED


@dataclass(slots=True)
class DemoRefund:
    amount: Decimal
    refunded_on: date
    reference: str


@dataclass(slots=True)
class DemoPayment:
    received_on: date
    amount: Decimal
    method: str
    reference: str
    allocations: list[DemoAllocation]
    refunds: list[DemoRefund] = field(default_factory=list)
    unapplied_amount: Decimal = ZERO
    status: str = Payment.Status.UNAPPLIED
    instrument_number: str = ""
    instrument_acceptor: str = ""
    instrument_matures_on: date | None = None


BILL_ACCEPTORS = (
    "中国工商银行股份有限公司上海分行",
    "中国建设银行股份有限公司江苏省分行",
    "招商银行股份有限公司深圳分行",
    "中国银行股份有限公司浙江省分行",
    "交通银行股份有限公司广东省分行",
)


@dataclass(slots=True)
class DemoContract:
    number: str
    title: str
    signed_on: date
    starts_on: date
    ends_on: date
    terms_code: str
    amount: Decimal = ZERO


@dataclass(slots=True)
class DemoContact:
    name: str
    title: str
    email: str
    phone: str
    is_primary: bool
    receives_statements: bool
    receives_reminders: bool
    receives_invoices: bool


@dataclass(slots=True)
class DemoWriteOff:
    installment: DemoInstallment
    amount: Decimal
    reason: str
    requested_by: str  # username


@dataclass(slots=True)
class DemoCustomer:
    code: str
    legal_name: str
    short_name: str
    country: str
    uscc: str
    industry: str
    region: str
    address: str
    tier: str
    owner: str  # username
    status: str
    terms_code: str
    currency: str
    credit_limit: Decimal
    credit_rating: str
    language: str
    behaviour: str
    contacts: list[DemoContact] = field(default_factory=list)
    contracts: list[DemoContract] = field(default_factory=list)
    invoices: list[DemoInvoice] = field(default_factory=list)
    payments: list[DemoPayment] = field(default_factory=list)
    write_offs: list[DemoWriteOff] = field(default_factory=list)


# --- generation --------------------------------------------------------------------------------


# GB 11714 weights for the check character of an organisation code (USCC positions 9-17).
GB11714_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def demo_uscc(*, number: int, region_code: str, seed: int) -> str:
    """A valid USCC for demo customer `number`: 9 (registered with market regulation), 1 (an
    enterprise), the region code, an organisation code with its GB 11714 check character, and
    the GB 32100 check character. Positions 9-16 are a bijection of `number`, so no two demo
    customers share a code."""
    space = len(USCC_ALPHABET) ** 8
    # Any multiplier coprime with 31 permutes the code space, so the codes look random.
    value = number * 387_420_489 + random.Random(f"huikuan-demo:{seed}:uscc").randrange(space)
    value %= space
    body = ""
    for _ in range(8):
        value, digit = divmod(value, len(USCC_ALPHABET))
        body = USCC_ALPHABET[digit] + body
    weighted = sum(
        int(char, 36) * weight for char, weight in zip(body, GB11714_WEIGHTS, strict=True)
    )
    check = 11 - weighted % 11
    organisation_code = body + {10: "X", 11: "0"}.get(check, str(check))
    code = f"91{region_code}{organisation_code}"
    return code + stdnum_uscc.calc_check_digit(code)


def _weighted(rng: random.Random, options):
    """Pick from ((value, weight), ...)."""
    values, weights = zip(*options, strict=True)
    return rng.choices(values, weights=weights)[0]


def _digits(rng: random.Random, count: int) -> str:
    return f"{rng.randrange(10**count):0{count}d}"


def _phone(rng: random.Random, template: str, country: str) -> str:
    """A number in `template` ("#" = random digit) that validates for `country`, in E.164."""
    for _ in range(10):
        raw = "".join(rng.choice("0123456789") if char == "#" else char for char in template)
        try:
            return normalize_phone(raw, country=country)
        except ValidationError:
            continue
    return ""


def _month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


class _CustomerGenerator:
    """Builds one customer from its own random stream; see `generate_customers`."""

    def __init__(self, *, seed, number, origin, tier, behaviour, as_of, terms_by_code):
        self.rng = random.Random(f"huikuan-demo:{seed}:{number}")
        self.seed = seed
        self.number = number
        self.origin = origin
        self.tier = tier
        self.behaviour = behaviour
        self.as_of = as_of
        self.terms_by_code = terms_by_code
        self.window_start = as_of - relativedelta(months=MONTHS_OF_HISTORY) + timedelta(days=1)
        # A defaulter paid for a while, then stopped; sales stopped shipping soon after.
        self.stopped_paying = (
            as_of - timedelta(days=self.rng.randint(180, 330)) if behaviour == DEFAULTER else None
        )
        self.delay_by_due_date: dict[date, int | None] = {}

    def build(self) -> DemoCustomer:
        customer = self._profile()
        self._contacts(customer)
        self._contracts(customer)
        self._invoices(customer)
        self._payments(customer)
        for invoice in customer.invoices:
            invoice.status = Invoice.status_from_ledger(
                total=invoice.total,
                open_total=sum((i.open_amount for i in invoice.installments), ZERO),
                paid=invoice.paid,
                written_off=ZERO,  # demo write-offs stay pending requests
            )
        for position, contract in enumerate(customer.contracts):
            invoiced = sum((i.total for i in customer.invoices if i.contract == position), ZERO)
            # Framework contracts are signed for more than is eventually ordered; round up to
            # ten thousand.
            amount = float(invoiced) * self.rng.uniform(1.05, 1.4) or self._from_cny(200_000)
            contract.amount = quantize(-(-int(amount) // 10_000) * 10_000, customer.currency)
        return customer

    # customer and contacts

    def _profile(self) -> DemoCustomer:
        rng = self.rng
        tier = self.tier
        industry = _weighted(rng, [(industry, industry.weight) for industry in INDUSTRIES])
        self.industry = industry
        if self.origin == "CN":
            city = _weighted(rng, [(city, city.weight) for city in CITIES])
            district, region_code = rng.choice(city.districts)
            (brand_a, pinyin_a), (brand_b, pinyin_b) = rng.sample(BRAND_CHARS, 2)
            brand = brand_a + brand_b
            suffix = (
                "股份有限公司" if tier == Customer.Tier.A and rng.random() < 0.4 else "有限公司"
            )
            if rng.random() < 0.12:
                legal_name = f"{brand}{industry.segment}（{city.name}）{suffix}"
            else:
                legal_name = f"{city.name}{brand}{industry.segment}{suffix}"
            address = (
                f"{city.name}市{district}{rng.choice(ROADS)}{rng.randint(1, 999)}号"
                f"{rng.choice(BUILDING_SUFFIXES)}"
            )
            self.domain = f"{pinyin_a}{pinyin_b}-{city.pinyin}.example"
            self.country = "CN"
            country, currency, language = "CN", "CNY", Customer.Language.ZH_HANS
            region = city.region
            uscc = demo_uscc(number=self.number, region_code=region_code, seed=self.seed)
            short_name = brand + industry.short
            terms_code = _weighted(rng, TERMS_BY_TIER[tier])
        else:
            country, currency, _weight, forms, _template = _weighted(
                rng, [(entry, entry[2]) for entry in FOREIGN_COUNTRIES]
            )
            prefix = rng.choice(EN_NAME_PREFIXES)
            legal_name = f"{prefix} {industry.english} {rng.choice(forms)}"
            short_name = prefix
            address = rng.choice(FOREIGN_ADDRESSES[country])
            self.domain = f"{prefix.lower().replace(' ', '')}-{industry.english.lower()}.example"
            self.country = country
            language = Customer.Language.EN
            region = "海外"
            uscc = ""
            terms_code = _weighted(rng, FOREIGN_TERMS)
        self.currency = currency
        low, high = CREDIT_LIMIT_CNY[tier]
        credit_limit = self._from_cny(rng.randint(low // 10_000, high // 10_000) * 10_000)
        credit_limit = Decimal(int(credit_limit) // 1000 * 1000)
        if self.behaviour == DEFAULTER:
            status, rating = Customer.Status.ON_HOLD, "CCC"
        else:
            # A few customers are on hold while their credit is reviewed.
            status = Customer.Status.ON_HOLD if rng.random() < 0.03 else Customer.Status.ACTIVE
            rating = rng.choice(CREDIT_RATINGS[tier])
        return DemoCustomer(
            code=f"C{self.number:06d}",
            legal_name=legal_name,
            short_name=short_name,
            country=country,
            uscc=uscc,
            industry=industry.name,
            region=region,
            address=address,
            tier=tier,
            owner=TERRITORIES[region],
            status=status,
            terms_code=terms_code,
            currency=currency,
            credit_limit=quantize(credit_limit, currency),
            credit_rating=rating,
            language=language,
            behaviour=self.behaviour,
        )

    def _contacts(self, customer: DemoCustomer) -> None:
        rng = self.rng
        count = _weighted(rng, ((1, 3), (2, 5), (3, 2)))
        for position in range(count):
            if self.origin == "CN":
                surname, surname_pinyin = rng.choice(SURNAMES)
                given = rng.sample(GIVEN_NAME_CHARS, rng.choice((1, 2)))
                name = surname + "".join(char for char, _ in given)
                local = "".join(pinyin for _, pinyin in given) + "." + surname_pinyin
                title = rng.choice(CN_CONTACT_TITLES)
                phone = _phone(rng, rng.choice(CN_MOBILE_PREFIXES) + "#" * 8, "CN")
            else:
                first, last = rng.choice(EN_FIRST_NAMES), rng.choice(EN_LAST_NAMES)
                name = f"{first} {last}"
                local = f"{first}.{last}".lower().replace("ü", "ue")
                title = rng.choice(EN_CONTACT_TITLES)
                template = next(entry[4] for entry in FOREIGN_COUNTRIES if entry[0] == self.country)
                phone = _phone(rng, template.format(area=rng.choice(US_AREA_CODES)), self.country)
            primary = position == 0
            customer.contacts.append(
                DemoContact(
                    name=name,
                    title=title,
                    email=f"{local}@{self.domain}",
                    phone=phone,
                    is_primary=primary,
                    # The primary contact gets invoices and statements; reminders go to
                    # whoever pays (the second contact when there is one).
                    receives_statements=primary or rng.random() < 0.3,
                    receives_reminders=(position == 1) or count == 1 or rng.random() < 0.2,
                    receives_invoices=primary or rng.random() < 0.2,
                )
            )

    def _contracts(self, customer: DemoCustomer) -> None:
        rng = self.rng
        chance = {Customer.Tier.A: 0.9, Customer.Tier.B: 0.35, Customer.Tier.C: 0.05}[self.tier]
        if rng.random() >= chance:
            return
        count = 2 if self.tier == Customer.Tier.A else 1
        starts_on = self.window_start - timedelta(days=rng.randint(0, 90))
        for position in range(1, count + 1):
            ends_on = starts_on + relativedelta(years=1) - timedelta(days=1)
            signed_on = starts_on - timedelta(days=rng.randint(3, 30))
            terms_code = customer.terms_code
            if self.tier == Customer.Tier.A and rng.random() < 0.3:
                terms_code = INSTALLMENTS
                title = "项目实施合同（分期付款）" if self.origin == "CN" else "Project agreement"
            elif self.origin == "CN":
                title = f"{starts_on.year}年度采购框架合同"
            else:
                title = f"Master supply agreement {starts_on.year}"
            customer.contracts.append(
                DemoContract(
                    number=f"HT{signed_on:%Y}{self.number:06d}{position:02d}",
                    title=title,
                    signed_on=signed_on,
                    starts_on=starts_on,
                    ends_on=ends_on,
                    terms_code=terms_code,
                )
            )
            starts_on = ends_on + timedelta(days=1)

    # invoices

    def _from_cny(self, amount_cny: float) -> float:
        """An amount in the customer's currency worth roughly `amount_cny`."""
        return amount_cny / APPROXIMATE_CNY_RATE.get(self.currency, 1.0)

    def _invoice_dates(self) -> list[date]:
        low, high = INVOICES_PER_TIER[self.tier]
        count = self.rng.randint(low, high)
        last = self.as_of
        if self.stopped_paying is not None:
            last = min(last, self.stopped_paying + timedelta(days=45))
        span = (last - self.window_start).days + 1
        dates = [self.window_start + timedelta(days=self.rng.randrange(span)) for _ in range(count)]
        if self.stopped_paying is not None:
            # The last deliveries before it stopped paying: due after it stopped, so never paid,
            # and (with at most 90 days' terms) over 90 days past due by `as_of`.
            dates += [self.stopped_paying - timedelta(days=self.rng.randint(10, 28)) for _ in "12"]
        return sorted(dates)

    def _invoices(self, customer: DemoCustomer) -> None:
        rng = self.rng
        for issue_date in self._invoice_dates():
            contract = next(
                (
                    position
                    for position, contract in enumerate(customer.contracts)
                    if contract.starts_on <= issue_date <= contract.ends_on
                ),
                None,
            )
            terms_code = (
                customer.contracts[contract].terms_code
                if contract is not None
                else customer.terms_code
            )
            lines = [self._line() for _ in range(_weighted(rng, ((1, 5), (2, 3), (3, 2))))]
            subtotal = sum((line.amount for line in lines), ZERO)
            tax_total = sum((line.tax_amount for line in lines), ZERO)
            total = subtotal + tax_total
            schedule = installment_schedule(
                terms=self.terms_by_code[terms_code],
                issue_date=issue_date,
                total=total,
                currency=customer.currency,
            )
            invoice = DemoInvoice(
                issue_date=issue_date,
                terms_code=terms_code,
                contract=contract,
                lines=lines,
                subtotal=subtotal,
                tax_total=tax_total,
                total=total,
                installments=[
                    DemoInstallment(
                        sequence=sequence,
                        due_date=part.due_date,
                        discount_date=part.discount_date,
                        amount=part.amount,
                        open_amount=part.amount,
                    )
                    for sequence, part in enumerate(schedule, start=1)
                ],
            )
            if self.origin == "CN":
                # 数电票: 20 digits, starting with the year and the province.
                invoice.fapiao_number = f"{issue_date:%y}{customer.uscc[2:4]}{_digits(rng, 16)}"
            sent_on = issue_date + timedelta(days=rng.randint(0, 3))
            if sent_on <= self.as_of:
                invoice.sent_on = sent_on
                confirmed_on = sent_on + timedelta(days=rng.randint(1, 7))
                if rng.random() < 0.6 and confirmed_on <= self.as_of:
                    invoice.receipt_confirmed_on = confirmed_on
            # Disputes are recent: older ones have been settled one way or another.
            if (self.as_of - issue_date).days <= 180 and rng.random() < 0.03:
                invoice.is_disputed = True
            elif rng.random() < 0.02:
                self._credit_note(customer, invoice)
            customer.invoices.append(invoice)

    def _line(self) -> DemoLine:
        rng = self.rng
        product = rng.choice(self.industry.products)
        low, high, mode = LINE_AMOUNT_CNY[self.tier]
        target = self._from_cny(rng.triangular(low, high, mode))
        if product.kind == "service":
            quantity = Decimal(rng.choice((1, 1, 1, 3, 6, 12)))
        elif product.kind == "bulk":
            quantity = Decimal(rng.randint(10, 5000)).scaleb(-1)
        else:
            quantity = Decimal(rng.choice((1, 2, 5, 10, 20, 50, 100, 200, 500)))
        # Some price lists carry four decimals, so line amounts need rounding.
        places = 4 if product.kind != "service" and rng.random() < 0.25 else 2
        unit_price = Decimal(max(1, int(target / float(quantity) * 10**places))).scaleb(-places)
        tax_rate = product.tax_rate if self.origin == "CN" else TAX_0  # exports are zero-rated
        amount = quantize(quantity * unit_price, self.currency)
        return DemoLine(
            description=product.zh if self.origin == "CN" else product.en,
            quantity=quantity,
            unit_price=unit_price,
            tax_rate=tax_rate,
            amount=amount,
            tax_amount=quantize(amount * tax_rate, self.currency),
        )

    def _credit_note(self, customer: DemoCustomer, invoice: DemoInvoice) -> None:
        """A credit note a few days after issue, settling the latest-due installments first as
        services.credit_note_issue does; one in ten cancels the whole invoice (红冲)."""
        rng = self.rng
        issue_date = invoice.issue_date + timedelta(days=rng.randint(2, 20))
        if issue_date > self.as_of:
            return
        language = "zh" if self.origin == "CN" else "en"
        if rng.random() < 0.1:
            amount, reason = invoice.total, FULL_CREDIT_REASON[language]
        else:
            share = Decimal(rng.randint(5, 30)) / 100
            amount = quantize(invoice.total * share, customer.currency)
            reason = rng.choice(CREDIT_NOTE_REASONS[language])
        if amount <= 0:
            return
        allocations = []
        remaining = amount
        for installment in sorted(invoice.installments, key=lambda i: i.due_date, reverse=True):
            part = min(installment.open_amount, remaining)
            if part <= 0:
                continue
            installment.settle(part, issue_date)
            allocations.append(DemoAllocation(installment, part, issue_date))
            remaining -= part
        invoice.credit_note = DemoCreditNote(issue_date, amount, reason, allocations)

    # payments

    def _delay(self, due_date: date) -> int | None:
        """Days after the due date this customer pays what falls due that day (None: never).
        Drawn once per due date, so items falling due together (月结) are paid together."""
        if due_date in self.delay_by_due_date:
            return self.delay_by_due_date[due_date]
        rng = self.rng
        if self.behaviour in (PROMPT, PREPAYER):
            delay = rng.randint(-7, 3) if rng.random() < 0.9 else rng.randint(4, 15)
        elif self.behaviour == LATE:
            delay = rng.randint(10, 90)
        elif self.behaviour == PARTIAL:
            delay = rng.randint(5, 60)
        else:
            delay = rng.randint(0, 40)
            if due_date + timedelta(days=delay) > self.stopped_paying:
                delay = None
        self.delay_by_due_date[due_date] = delay
        return delay

    def _payments(self, customer: DemoCustomer) -> None:
        rng = self.rng
        by_date: dict[date, list[DemoAllocation]] = {}
        for invoice in customer.invoices:
            if invoice.is_disputed:
                continue
            earliest = invoice.credit_note.issue_date if invoice.credit_note else invoice.issue_date
            for installment in invoice.installments:
                if installment.open_amount <= 0:
                    continue
                delay = self._delay(installment.due_date)
                if delay is None:
                    continue
                paid_on = max(installment.due_date + timedelta(days=delay), earliest)
                if paid_on > self.as_of:
                    continue
                amount = installment.open_amount
                partly = self.behaviour == PARTIAL or rng.random() < 0.03
                if partly and amount >= 2:
                    share = Decimal(rng.randint(30, 80)) / 100
                    first = quantize(amount * share, customer.currency)
                    later_on = paid_on + timedelta(days=rng.randint(20, 120))
                    if self.behaviour == DEFAULTER and later_on > self.stopped_paying:
                        later_on = None
                    by_date.setdefault(paid_on, []).append(
                        DemoAllocation(installment, first, paid_on)
                    )
                    installment.settle(first, paid_on)
                    invoice.paid += first
                    if later_on is None or later_on > self.as_of:
                        continue
                    amount, paid_on = installment.open_amount, later_on
                by_date.setdefault(paid_on, []).append(DemoAllocation(installment, amount, paid_on))
                installment.settle(amount, paid_on)
                invoice.paid += amount
        for received_on in sorted(by_date):
            allocations = by_date[received_on]
            applied = sum((allocation.amount for allocation in allocations), ZERO)
            # Now and then a customer pays a round sum above what was due: credit to apply later.
            extra = ZERO
            if rng.random() < 0.03:
                extra = quantize(int(self._from_cny(rng.randint(1, 50) * 100)), customer.currency)
            payment = self._payment(customer, received_on, applied + extra, allocations)
            refunded_on = received_on + timedelta(days=rng.randint(7, 30))
            if extra > 0 and rng.random() < 0.25 and refunded_on <= self.as_of:
                payment.refunds.append(
                    DemoRefund(extra, refunded_on, f"RF{refunded_on:%Y%m%d}{_digits(rng, 6)}")
                )
            customer.payments.append(payment)
        if self.behaviour == PREPAYER:
            # A deposit (预收款) for an order not yet invoiced.
            received_on = self.as_of - timedelta(days=rng.randint(0, 45))
            deposit = quantize(int(self._from_cny(rng.randint(1, 20) * 5_000)), customer.currency)
            customer.payments.append(self._payment(customer, received_on, deposit, []))
            customer.payments.sort(key=lambda payment: payment.received_on)
        for payment in customer.payments:
            refunded = sum((refund.amount for refund in payment.refunds), ZERO)
            applied = sum((allocation.amount for allocation in payment.allocations), ZERO)
            payment.unapplied_amount = payment.amount - applied - refunded
            payment.status = Payment.status_from_balance(
                amount=payment.amount, unapplied_amount=payment.unapplied_amount
            )

    def _payment(self, customer, received_on, amount, allocations) -> DemoPayment:
        rng = self.rng
        if self.origin != "CN":
            method = Payment.Method.BANK_TRANSFER
            reference = f"SWIFT MT103 {_digits(rng, 12)}"
        else:
            method = _weighted(
                rng,
                (
                    (Payment.Method.BANK_TRANSFER, 80),
                    (Payment.Method.BANK_ACCEPTANCE_BILL, 10),
                    (Payment.Method.CHEQUE, 4),
                    (Payment.Method.ALIPAY, 3),
                    (Payment.Method.WECHAT_PAY, 3),
                ),
            )
            if method == Payment.Method.BANK_ACCEPTANCE_BILL:
                reference = f"电子银承 {_digits(rng, 30)}"
            else:
                reference = f"{received_on:%Y%m%d}{_digits(rng, 10)}"
        payment = DemoPayment(
            received_on=received_on,
            amount=amount,
            method=method,
            reference=reference,
            allocations=allocations,
        )
        if method == Payment.Method.BANK_ACCEPTANCE_BILL:
            # An electronic bank acceptance bill (电子银承): a 30-digit number, accepted by a
            # bank, usually maturing in six months. Derived from the number, not drawn, so the
            # rest of the generated data stays what the seed always gave.
            number = reference.split()[-1]
            payment.instrument_number = number
            payment.instrument_acceptor = BILL_ACCEPTORS[int(number) % len(BILL_ACCEPTORS)]
            payment.instrument_matures_on = received_on + relativedelta(months=6)
            # One in ten is a commercial acceptance bill (电子商承) and one in ten a receivable
            # e-voucher (应收账款电子凭证, such as 云信): the customer itself accepts them and pays
            # at maturity, so the credit risk stays with it.
            if int(number) % 10 == 0:
                payment.method = Payment.Method.COMMERCIAL_ACCEPTANCE_BILL
                payment.reference = f"电子商承 {number}"
                payment.instrument_acceptor = customer.legal_name
            elif int(number) % 10 == 1:
                payment.method = Payment.Method.RECEIVABLE_EVOUCHER
                payment.reference = f"应收账款电子凭证 {number}"
                payment.instrument_acceptor = customer.legal_name
                payment.instrument_matures_on = received_on + relativedelta(months=3)
        return payment


def _write_off_candidate(customer: DemoCustomer, as_of: date) -> DemoInstallment | None:
    """The defaulter's oldest installment still fully open and over 90 days past due."""
    candidates = [
        installment
        for invoice in customer.invoices
        if not invoice.is_disputed
        for installment in invoice.installments
        if installment.open_amount == installment.amount
        and (as_of - installment.due_date).days > 90
    ]
    return min(candidates, key=lambda i: i.due_date, default=None)


def generate_customers(
    *, seed: int, count: int, as_of: date, terms_by_code: Mapping[str, PaymentTerms]
) -> Iterator[DemoCustomer]:
    """Yield `count` demo customers with their whole ledger, deterministic in (seed, as_of);
    customer n is the same whatever `count` is. `terms_by_code` needs the `DEMO_TERMS` codes,
    with their schedules prefetched (`selectors.payment_terms_all()`)."""
    write_offs_left = WRITE_OFF_REQUESTS
    # The first request is a manager's, so the demo shows manager2 approving a colleague's.
    requesters = ("manager", "finance")
    for block_start in range(0, count, BLOCK):
        block_rng = random.Random(f"huikuan-demo:{seed}:block:{block_start // BLOCK}")
        origins = block_rng.sample(BLOCK_ORIGINS, BLOCK)
        tiers = block_rng.sample(BLOCK_TIERS, BLOCK)
        behaviours = block_rng.sample(BLOCK_BEHAVIOURS, BLOCK)
        for offset in range(min(BLOCK, count - block_start)):
            customer = _CustomerGenerator(
                seed=seed,
                number=block_start + offset + 1,
                origin=origins[offset],
                tier=tiers[offset],
                behaviour=behaviours[offset],
                as_of=as_of,
                terms_by_code=terms_by_code,
            ).build()
            if write_offs_left and customer.behaviour == DEFAULTER:
                installment = _write_off_candidate(customer, as_of)
                if installment is not None:
                    customer.write_offs.append(
                        DemoWriteOff(
                            installment=installment,
                            amount=installment.open_amount,
                            reason=WRITE_OFF_REASONS[WRITE_OFF_REQUESTS - write_offs_left],
                            requested_by=requesters[WRITE_OFF_REQUESTS - write_offs_left],
                        )
                    )
                    write_offs_left -= 1
            yield customer


# --- numbering ---------------------------------------------------------------------------------


class DocumentNumbering:
    """Gap-free numbers per prefix and year, in date order, continuing any existing sequence.

    Built from a first pass that counts documents per date: the n-th document dated D gets the
    number after all documents of D's year dated before D. `take` must then be called once per
    counted document (in any order within a date)."""

    def __init__(self, counts: Mapping[str, Counter], start_values: Mapping[tuple[str, int], int]):
        self._last_taken: dict[tuple[str, date], int] = {}
        self._planned_end: dict[tuple[str, date], int] = {}
        self.last_values: dict[tuple[str, int], int] = {}
        for prefix, per_date in counts.items():
            for day in sorted(per_date):
                key = (prefix, day.year)
                before = self.last_values.get(key, start_values.get(key, 0))
                self._last_taken[(prefix, day)] = before
                self.last_values[key] = before + per_date[day]
                self._planned_end[(prefix, day)] = self.last_values[key]

    @classmethod
    def plan(
        cls, customers: Iterable[DemoCustomer], start_values: Mapping[tuple[str, int], int]
    ) -> "DocumentNumbering":
        counts = {
            INVOICE_PREFIX: Counter(),
            PAYMENT_PREFIX: Counter(),
            CREDIT_NOTE_PREFIX: Counter(),
        }
        for customer in customers:
            for invoice in customer.invoices:
                counts[INVOICE_PREFIX][invoice.issue_date] += 1
                if invoice.credit_note:
                    counts[CREDIT_NOTE_PREFIX][invoice.credit_note.issue_date] += 1
            for payment in customer.payments:
                counts[PAYMENT_PREFIX][payment.received_on] += 1
        return cls(counts, start_values)

    def take(self, prefix: str, on_date: date) -> str:
        key = (prefix, on_date)
        value = self._last_taken[key] + 1
        if value > self._planned_end[key]:
            raise RuntimeError(f"more {prefix} documents dated {on_date} than planned")
        self._last_taken[key] = value
        return f"{prefix}-{on_date.year}-{value:06d}"

    def check_complete(self) -> None:
        if self._last_taken != self._planned_end:
            raise RuntimeError("the second pass produced fewer documents than the first")


# --- writing -----------------------------------------------------------------------------------


@dataclass
class SeedSummary:
    skipped: bool = False
    existing_customers: int = 0
    customers: int = 0
    contacts: int = 0
    contracts: int = 0
    invoices: int = 0
    installments: int = 0
    payments: int = 0
    allocations: int = 0
    credit_notes: int = 0
    refunds: int = 0
    write_offs: int = 0
    exchange_rates: int = 0
    with_history: bool = False
    seconds: float = 0.0


def ensure_demo_users() -> dict[str, object]:
    """The demo users by username; existing users are kept as they are."""
    user_model = get_user_model()
    existing = {
        user.username: user
        for user in user_model.objects.filter(username__in=[demo.username for demo in DEMO_USERS])
    }
    missing = [demo for demo in DEMO_USERS if demo.username not in existing]
    if missing:
        # One hash for all: hashing is deliberately slow and the password is public anyway.
        password = make_password(DEMO_PASSWORD)
        for demo in missing:
            user = user_model(
                username=demo.username,
                first_name=demo.first_name,
                last_name=demo.last_name,
                email=f"{demo.username}@huikuan.example",
                is_superuser=demo.is_superuser,
                is_staff=demo.is_superuser,
                password=password,
            )
            user.save()
            group, _created = Group.objects.get_or_create(name=demo.role.value)
            user.groups.add(group)
            existing[demo.username] = user
    return existing


def ensure_demo_payment_terms(*, actor) -> dict[str, PaymentTerms]:
    """The demo payment terms by code, created through the service where missing; terms that
    already exist under a demo code are used as they are."""
    existing = set(PaymentTerms.objects.values_list("code", flat=True))
    for terms in DEMO_TERMS:
        if terms.code in existing:
            continue
        payment_terms_create(
            actor=actor,
            schedule=[{"percent": percent, "days": days} for percent, days in terms.schedule],
            code=terms.code,
            name=terms.name,
            basis=terms.basis,
            net_days=terms.net_days,
            discount_percent=terms.discount_percent,
            discount_days=terms.discount_days,
            late_interest_daily_rate=terms.late_interest_daily_rate,
        )
    codes = [terms.code for terms in DEMO_TERMS]
    return {terms.code: terms for terms in payment_terms_all().filter(code__in=codes)}


def ensure_demo_exchange_rates(*, actor, seed: int, as_of: date) -> int:
    """Month-end rates (and one on `as_of`) for the foreign currencies over the demo period,
    a small random walk around realistic levels; dates that already have a rate keep it."""
    rng = random.Random(f"huikuan-demo:{seed}:rates")
    levels = {"USD": Decimal("7.1500"), "EUR": Decimal("7.8000"), "HKD": Decimal("0.9150")}
    start = as_of - relativedelta(months=MONTHS_OF_HISTORY)
    days = []
    month = _month_end(start)
    while month < as_of:
        days.append(month)
        month = _month_end(month + timedelta(days=1))
    days.append(as_of)
    existing = set(ExchangeRate.objects.values_list("currency", "rate_date"))
    created = 0
    for day in days:
        for currency, level in levels.items():
            # ±0.8% a month, in basis points so the walk stays in Decimal.
            level = level * (1 + Decimal(rng.randint(-80, 80)) / 10_000)
            levels[currency] = level.quantize(Decimal("0.0001"))
            if (currency, day) in existing:
                continue
            exchange_rate_set(
                actor=actor, currency=currency, rate_date=day, rate_to_base=levels[currency]
            )
            created += 1
    return created


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


class _LedgerWriter:
    """Turns generated customers into rows, a chunk at a time, parents before children."""

    def __init__(self, *, users, terms_by_code, numbering, with_history, summary):
        self.users = users
        self.terms = terms_by_code
        self.numbering = numbering
        self.with_history = with_history
        self.summary = summary
        self.admin = users["admin"]
        self.clerk = users["finance"]
        self.history_date = timezone.now()
        self._issued_at: dict[date, datetime] = {}

    def _create(self, model, rows: list) -> list:
        model.objects.bulk_create(rows, batch_size=BATCH_SIZE)
        if self.with_history and rows:
            model.history.bulk_history_create(
                rows,
                batch_size=BATCH_SIZE,
                default_user=self.admin,
                default_change_reason=HISTORY_CHANGE_REASON,
                default_date=self.history_date,
            )
        return rows

    def _issued_at_for(self, day: date) -> datetime:
        if day not in self._issued_at:
            self._issued_at[day] = timezone.make_aware(datetime.combine(day, time_of_day(10)))
        return self._issued_at[day]

    def write(self, customers: list[DemoCustomer]) -> None:
        summary = self.summary
        customer_rows = self._create(Customer, [self._customer_row(c) for c in customers])
        pairs = list(zip(customers, customer_rows, strict=True))

        contacts = [
            Contact(
                customer_id=row.pk,
                name=contact.name,
                title=contact.title,
                email=contact.email,
                phone=contact.phone,
                is_primary=contact.is_primary,
                receives_statements=contact.receives_statements,
                receives_reminders=contact.receives_reminders,
                receives_invoices=contact.receives_invoices,
            )
            for customer, row in pairs
            for contact in customer.contacts
        ]
        contract_rows = {}
        for customer, row in pairs:
            for position, contract in enumerate(customer.contracts):
                contract_rows[(row.pk, position)] = Contract(
                    customer_id=row.pk,
                    number=contract.number,
                    title=contract.title,
                    signed_on=contract.signed_on,
                    amount=contract.amount,
                    currency=customer.currency,
                    payment_terms_id=self.terms[contract.terms_code].pk,
                    starts_on=contract.starts_on,
                    ends_on=contract.ends_on,
                )
        self._create(Contact, contacts)
        self._create(Contract, list(contract_rows.values()))

        # (customer, its row, invoice, the invoice's row), in generation order.
        invoice_entries = []
        for customer, row in pairs:
            for invoice in customer.invoices:
                contract = contract_rows.get((row.pk, invoice.contract))
                invoice_row = Invoice(
                    number=self.numbering.take(INVOICE_PREFIX, invoice.issue_date),
                    customer_id=row.pk,
                    contract_id=contract.pk if contract else None,
                    issue_date=invoice.issue_date,
                    currency=customer.currency,
                    payment_terms_id=self.terms[invoice.terms_code].pk,
                    status=invoice.status,
                    is_disputed=invoice.is_disputed,
                    subtotal=invoice.subtotal,
                    tax_total=invoice.tax_total,
                    total=invoice.total,
                    fapiao_number=invoice.fapiao_number,
                    sent_on=invoice.sent_on,
                    receipt_confirmed_on=invoice.receipt_confirmed_on,
                    created_by_id=self.clerk.pk,
                    issued_by_id=self.clerk.pk,
                    issued_at=self._issued_at_for(invoice.issue_date),
                )
                invoice_entries.append((customer, row, invoice, invoice_row))
        self._create(Invoice, [entry[3] for entry in invoice_entries])

        line_rows, installment_rows, credit_note_rows = [], [], []
        installment_rows_by_id = {}  # id() of a generated installment -> its row
        for customer, row, invoice, invoice_row in invoice_entries:
            line_rows.extend(
                InvoiceLine(
                    invoice_id=invoice_row.pk,
                    position=position,
                    description=line.description,
                    quantity=line.quantity,
                    unit_price=line.unit_price,
                    tax_rate=line.tax_rate,
                    amount=line.amount,
                    tax_amount=line.tax_amount,
                )
                for position, line in enumerate(invoice.lines, start=1)
            )
            for installment in invoice.installments:
                installment_row = Installment(
                    invoice_id=invoice_row.pk,
                    customer_id=row.pk,
                    currency=customer.currency,
                    sequence=installment.sequence,
                    due_date=installment.due_date,
                    discount_date=installment.discount_date,
                    amount=installment.amount,
                    open_amount=installment.open_amount,
                    settled_on=installment.settled_on,
                )
                installment_rows.append(installment_row)
                installment_rows_by_id[id(installment)] = installment_row
            credit_note = invoice.credit_note
            if credit_note is not None:
                note_row = CreditNote(
                    number=self.numbering.take(CREDIT_NOTE_PREFIX, credit_note.issue_date),
                    invoice_id=invoice_row.pk,
                    customer_id=row.pk,
                    issue_date=credit_note.issue_date,
                    amount=credit_note.amount,
                    currency=customer.currency,
                    reason=credit_note.reason,
                    created_by_id=self.clerk.pk,
                )
                credit_note_rows.append((credit_note, note_row))
        self._create(InvoiceLine, line_rows)
        self._create(Installment, installment_rows)

        payment_rows, write_off_rows = [], []
        for customer, row in pairs:
            for payment in customer.payments:
                payment_row = Payment(
                    number=self.numbering.take(PAYMENT_PREFIX, payment.received_on),
                    customer_id=row.pk,
                    received_on=payment.received_on,
                    amount=payment.amount,
                    currency=customer.currency,
                    method=payment.method,
                    reference=payment.reference,
                    instrument_number=payment.instrument_number,
                    instrument_acceptor=payment.instrument_acceptor,
                    instrument_matures_on=payment.instrument_matures_on,
                    status=payment.status,
                    unapplied_amount=payment.unapplied_amount,
                    created_by_id=self.clerk.pk,
                )
                payment_rows.append((payment, payment_row))
            write_off_rows.extend(
                WriteOff(
                    installment_id=installment_rows_by_id[id(write_off.installment)].pk,
                    customer_id=row.pk,
                    amount=write_off.amount,
                    currency=customer.currency,
                    reason=write_off.reason,
                    requested_by_id=self.users[write_off.requested_by].pk,
                )
                for write_off in customer.write_offs
            )
        self._create(Payment, [payment_row for _payment, payment_row in payment_rows])
        self._create(CreditNote, [note_row for _note, note_row in credit_note_rows])
        self._create(WriteOff, write_off_rows)

        allocation_rows, refund_rows = [], []
        for payment, payment_row in payment_rows:
            allocation_rows.extend(
                Allocation(
                    installment_id=installment_rows_by_id[id(allocation.installment)].pk,
                    customer_id=payment_row.customer_id,
                    kind=Allocation.Kind.PAYMENT,
                    payment_id=payment_row.pk,
                    amount=allocation.amount,
                    applied_on=allocation.applied_on,
                    created_by_id=self.clerk.pk,
                )
                for allocation in payment.allocations
            )
            refund_rows.extend(
                Refund(
                    payment_id=payment_row.pk,
                    customer_id=payment_row.customer_id,
                    amount=refund.amount,
                    currency=payment_row.currency,
                    refunded_on=refund.refunded_on,
                    reference=refund.reference,
                    created_by_id=self.clerk.pk,
                )
                for refund in payment.refunds
            )
        for credit_note, note_row in credit_note_rows:
            allocation_rows.extend(
                Allocation(
                    installment_id=installment_rows_by_id[id(allocation.installment)].pk,
                    customer_id=note_row.customer_id,
                    kind=Allocation.Kind.CREDIT_NOTE,
                    credit_note_id=note_row.pk,
                    amount=allocation.amount,
                    applied_on=allocation.applied_on,
                    created_by_id=self.clerk.pk,
                )
                for allocation in credit_note.allocations
            )
        self._create(Allocation, allocation_rows)
        self._create(Refund, refund_rows)

        summary.customers += len(customer_rows)
        summary.contacts += len(contacts)
        summary.contracts += len(contract_rows)
        summary.invoices += len(invoice_entries)
        summary.installments += len(installment_rows)
        summary.payments += len(payment_rows)
        summary.credit_notes += len(credit_note_rows)
        summary.write_offs += len(write_off_rows)
        summary.allocations += len(allocation_rows)
        summary.refunds += len(refund_rows)

    def _customer_row(self, customer: DemoCustomer) -> Customer:
        return Customer(
            code=customer.code,
            legal_name=customer.legal_name,
            short_name=customer.short_name,
            name_initials=name_initials(customer.legal_name, customer.short_name),
            country=customer.country,
            uscc=customer.uscc,
            industry=customer.industry,
            region=customer.region,
            address=customer.address,
            tier=customer.tier,
            owner_id=self.users[customer.owner].pk,
            status=customer.status,
            default_payment_terms_id=self.terms[customer.terms_code].pk,
            currency=customer.currency,
            credit_limit=customer.credit_limit,
            credit_rating=customer.credit_rating,
            language=customer.language,
        )


def seed_demo(*, customers: int, seed: int, as_of: date) -> SeedSummary:
    """Load the demo data set into an empty database (one without customers), all in one
    transaction; with customers present, write nothing and return a skipped summary."""
    started = time.monotonic()
    with transaction.atomic():
        existing = Customer.objects.count()
        if existing:
            return SeedSummary(skipped=True, existing_customers=existing)
        summary = SeedSummary(with_history=customers <= HISTORY_MAX_CUSTOMERS)
        users = ensure_demo_users()
        terms_by_code = ensure_demo_payment_terms(actor=users["admin"])
        summary.exchange_rates = ensure_demo_exchange_rates(
            actor=users["admin"], seed=seed, as_of=as_of
        )

        def generated():
            return generate_customers(
                seed=seed, count=customers, as_of=as_of, terms_by_code=terms_by_code
            )

        start_values = {
            (row.prefix, row.year): row.last_value for row in DocumentSequence.objects.all()
        }
        numbering = DocumentNumbering.plan(generated(), start_values)
        writer = _LedgerWriter(
            users=users,
            terms_by_code=terms_by_code,
            numbering=numbering,
            with_history=summary.with_history,
            summary=summary,
        )
        for chunk in _chunks(generated(), CUSTOMERS_PER_FLUSH):
            writer.write(chunk)
            # With DEBUG on, Django keeps the last 9,000 statements, each bulk insert's SQL
            # with its thousands of rows: megabytes apiece.
            reset_queries()
        numbering.check_complete()
        for (prefix, year), last_value in numbering.last_values.items():
            DocumentSequence.objects.update_or_create(
                prefix=prefix, year=year, defaults={"last_value": last_value}
            )
    summary.seconds = time.monotonic() - started
    return summary
