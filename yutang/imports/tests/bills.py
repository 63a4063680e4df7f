"""Small WeChat Pay bills written for a test: the real export's heading and columns, with the
payments a test needs."""

from __future__ import annotations

from pathlib import Path

SAMPLES = Path(__file__).resolve().parents[2] / "lib" / "tests" / "fixtures" / "payments"
_SAMPLE = (SAMPLES / "wechat_csv_v2019-2025_utf8.csv").read_text(encoding="utf-8")
# The export's heading down to its header row (交易时间,交易类型,交易对方,…).
HEADING = _SAMPLE[: _SAMPLE.index("\n", _SAMPLE.index("交易时间,")) + 1]


def wechat_bill(*payments: tuple[str, str, str]) -> bytes:
    """A bill of incoming transfers, each (payer, amount, day of January 2024). A transaction's
    ID is made of its place in the bill and its day: the same bill written twice is the same
    transactions, a bill of other days is other ones."""
    rows = [
        f"2024-01-{day} 10:00:00,转账,{payer},/,收入,¥{amount},/,已存入零钱,"
        f"1000050001202401{day}{index:010d}\t,/\t,/\n"
        for index, (payer, amount, day) in enumerate(payments, start=1)
    ]
    return (HEADING + "".join(rows)).encode()
