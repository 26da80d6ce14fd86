"""Write the binary and GBK-encoded bank statement samples of tests/reconciliation/samples/.

    .venv/bin/python scripts/make_bank_samples.py

The text samples (UTF-8 CSV, MT940, CAMT.053, OFX) are written by hand; these three cannot be:
a GBK CSV (most Chinese online banks export GBK), an .xlsx and an old-format .xls (written with
xlwt, a development-only dependency). The output is deterministic, so the committed files only
change when this script does.
"""

import io
import re
import zipfile
from datetime import date, datetime, time
from pathlib import Path

import openpyxl
import xlwt

SAMPLES = Path(__file__).resolve().parent.parent / "tests" / "reconciliation" / "samples"
FIXED_TIME = datetime(2026, 12, 1, 9, 0, 0)


def icbc_gbk_csv() -> bytes:
    """工商银行-style history: one amount column with a 借/贷 flag, and a voucher number (凭证号)
    that repeats on every line."""
    rows = [
        "中国工商银行 账户历史明细",
        "账号: 1001 2345 6789 0123 456",
        "户名: 上海汇宽科技有限公司",
        "查询区间: 20261101-20261130",
        "凭证号,交易日期,借贷标志,金额,币种,对方单位名称,对方账号,对方行名,用途,附言",
        '1000001,20261110,贷,"3,000.00",人民币,杭州明达电子股份有限公司,="33050161234500000123",'
        "中国建设银行杭州分行,货款,INV-2026-000130",
        '1000001,20261110,贷,"3,000.00",人民币,杭州明达电子股份有限公司,="33050161234500000123",'
        "中国建设银行杭州分行,货款,INV-2026-000130",
        "1000001,20261112,借,(800.00),人民币,上海申通物流有限公司,121900000000001,"
        "招商银行上海分行,运费,",
        '1000001,20261115,贷,"1,250.00",人民币,宁波港华物流股份有限公司,39010100000001234,'
        "中国工商银行宁波分行,,INV-2026-000131",
        "本页小计,,,,,,,,,",
    ]
    return ("\r\n".join(rows) + "\r\n").encode("gbk")


def ccb_xlsx() -> bytes:
    """建设银行-style workbook: title rows, a date column and a separate time column, and dates
    as date cells, an Excel serial number and a date-time cell."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "交易明细"
    sheet.append(["中国建设银行单位账户交易明细"])
    sheet.merge_cells("A1:L1")
    sheet.append(["账户名称：上海汇宽科技有限公司", None, None, "账号：31050161373600001234"])
    sheet.append(["币种：人民币", None, None, "起止日期：2026-11-01 至 2026-11-30"])
    sheet.append([])
    sheet.append(
        [
            "序号",
            "交易日期",
            "交易时间",
            "收入金额",
            "支出金额",
            "账户余额",
            "对方户名",
            "对方账号",
            "对方开户机构",
            "摘要",
            "交易附言",
            "业务参考号",
        ]
    )
    serial_13_november = (date(2026, 11, 13) - date(1899, 12, 30)).days
    sheet.append(
        [
            1,
            date(2026, 11, 12),
            "09:05:11",
            23400.00,
            None,
            123400.00,
            "宁波港华物流股份有限公司",
            "3901 0100 0000 1234",
            "中国工商银行宁波分行",
            "转账",
            "INV-2026-000180 INV-2026-000181",
            "CCB2026111200008",
        ]
    )
    sheet.append(
        [
            2,
            serial_13_november,
            time(14, 30, 0),
            None,
            3500.00,
            119900.00,
            "上海申通物流有限公司",
            "121900000000001",
            "招商银行上海分行",
            "运费",
            None,
            "CCB2026111300002",
        ]
    )
    sheet.append(
        [
            3,
            datetime(2026, 11, 14, 10, 0, 0),
            None,
            "8,000.00",
            None,
            127900.00,
            "杭州明达电子股份有限公司",
            "33050161234500000123",
            "中国建设银行杭州分行",
            "货款",
            "合同 HT-2026-018",
            "CCB2026111400015",
        ]
    )
    sheet.append(["合计", None, None, 31400.00, 3500.00])
    sheet.append(["打印日期：2026-12-01"])
    sheet["B6"].number_format = "yyyy-mm-dd"
    book.properties.created = FIXED_TIME
    book.properties.modified = FIXED_TIME
    buffer = io.BytesIO()
    book.save(buffer)
    return _with_fixed_timestamps(buffer.getvalue())


def _with_fixed_timestamps(xlsx: bytes) -> bytes:
    """The workbook re-zipped with every member dated FIXED_TIME (openpyxl stamps the current
    time, so each run would give a different file)."""
    source = zipfile.ZipFile(io.BytesIO(xlsx))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            info = zipfile.ZipInfo(member.filename, date_time=FIXED_TIME.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            data = source.read(member.filename)
            if member.filename == "docProps/core.xml":
                # openpyxl sets "modified" to the time of saving, whatever the workbook says.
                data = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*",
                    rb"\g<1>" + FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode(),
                    data,
                )
            target.writestr(info, data)
    return output.getvalue()


def abc_xls() -> bytes:
    """农业银行-style Excel 97-2003 export: date cells, times as HHMMSS text, two amount
    columns."""
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("账户明细")
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    rows = [
        ["中国农业银行账户明细查询"],
        ["账号：03-8100 0104 0012 345", "户名：上海汇宽科技有限公司"],
        [
            "交易日期",
            "交易时间",
            "贷方发生额",
            "借方发生额",
            "余额",
            "对方户名",
            "对方账号",
            "对方行名",
            "摘要",
            "用途",
            "流水号",
        ],
        [
            date(2026, 11, 20),
            "112233",
            15000.00,
            "",
            215000.00,
            "南京恒信机电有限公司",
            "32001588888800001",
            "中国建设银行南京分行",
            "网银转账",
            "INV-2026-000190",
            "ABC20261120000077",
        ],
        [
            date(2026, 11, 21),
            "08:15:00",
            "",
            260.00,
            214740.00,
            "国家税务总局上海市税务局",
            "",
            "",
            "税费",
            "",
            "ABC20261121000003",
        ],
        ["本页小计", "", 15000.00, 260.00],
    ]
    for row_index, row in enumerate(rows):
        for column, value in enumerate(row):
            if isinstance(value, date):
                sheet.write(row_index, column, value, date_style)
            else:
                sheet.write(row_index, column, value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def main() -> None:
    for name, content in (
        ("icbc_gbk.csv", icbc_gbk_csv()),
        ("ccb_title_rows.xlsx", ccb_xlsx()),
        ("abc_legacy.xls", abc_xls()),
    ):
        (SAMPLES / name).write_bytes(content)
        print(f"wrote {SAMPLES / name} ({len(content)} bytes)")


if __name__ == "__main__":
    main()
