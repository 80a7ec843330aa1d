"""Tests for analysis/corpus/encoding.py: which encodings are read, and why others are not."""

from __future__ import annotations

import pytest

from analysis.corpus import load_uploads
from tests.analysis.corpus.helpers import assert_ledger_invariant


def test_bom_crlf_utf16_and_gb18030_tables_load() -> None:
    corpus = load_uploads(
        [
            ("bom.jsonl", b'\xef\xbb\xbf{"text": "one"}\r\n{"text": "two"}\r\n'),
            ("u16.jsonl", '{"text": "drei"}\n{"text": "vier"}\n'.encode("utf-16")),
            ("bom.csv", "\ufefftext,date\r\nfünf,2023\r\n".encode()),
            (
                "gb.csv",
                "标题,正文,date\n新闻,国务院政府工作报告全文,2023年11月\n".encode("gb18030"),
            ),
        ]
    )
    docs = corpus.docs
    assert corpus.counts()["quarantined"] == 0
    assert docs["text"].tolist() == ["one", "two", "drei", "vier", "fünf", "国务院政府工作报告全文"]
    assert docs["date_precision"].tolist() == [None, None, None, None, "year", "month"]
    assert docs.loc[5, "标题"] == "新闻"


JAPANESE = "東京都は日本の首都です。人口は約千四百万人で、世界有数の大都市である。"


KOREAN = "대한민국의 수도는 서울입니다. 인구는 약 천만 명입니다."


@pytest.mark.parametrize(
    ("data", "named"),
    [
        (JAPANESE.encode("shift_jis"), "Shift-JIS (Japanese)"),
        ("こんにちは世界".encode("shift_jis"), "Shift-JIS (Japanese)"),
        (JAPANESE.encode("euc_jp"), "EUC-JP (Japanese)"),
        (KOREAN.encode("euc_kr"), "EUC-KR (Korean)"),
        ("안녕하세요 세계 여러분".encode("euc_kr"), "EUC-KR (Korean)"),
        ("臺灣的首都是臺北市，人口約兩百六十萬。".encode("big5"), "Big5 (traditional Chinese)"),
    ],
)
def test_japanese_and_korean_encodings_are_quarantined_not_read_as_gb18030(data, named) -> None:
    corpus = load_uploads([("a.txt", data), ("b.jsonl", b'{"text": "x"}\n'), ("c.csv", data)])
    assert_ledger_invariant(corpus)
    report = corpus.report
    assert report["status"].tolist() == ["quarantined", "loaded", "quarantined"]
    assert report.loc[0, "reason"] == (
        f"bad encoding: this looks like {named}, which is not read (only UTF-8, UTF-16, "
        "cp1252 and GB18030 are); convert the file to UTF-8"
    )


@pytest.mark.parametrize(
    "text",
    [
        "推动长三角一体化发展，高质量发展是首要任务。",
        "长三角",
        "臺灣的首都是臺北市，人口約兩百六十萬。",
    ],
)
def test_gb18030_and_cp1252_still_load(text) -> None:
    corpus = load_uploads(
        [("zh.txt", text.encode("gb18030")), ("fr.txt", "Le café — “oui”".encode("cp1252"))]
    )
    assert corpus.docs["text"].tolist() == [text, "Le café — “oui”"]


@pytest.mark.parametrize(
    ("data", "byte"),
    [("café au lait ".encode() + b"\xff", "0xFF"), (b"caf\xc3\xa9 and \xe9 again", "0xE9")],
)
def test_invalid_utf8_is_quarantined_not_read_as_cp1252(data, byte) -> None:
    corpus = load_uploads([("a.txt", data), ("b.txt", b"fine")])
    assert_ledger_invariant(corpus)
    assert corpus.report["status"].tolist() == ["quarantined", "loaded"]
    assert corpus.report.loc[0, "reason"] == (
        f"bad encoding: invalid UTF-8 byte {byte} on line 1 (the rest is UTF-8; fix or "
        "delete that byte)"
    )


def test_a_utf8_bom_over_utf16_data_never_loads_nul_characters() -> None:
    bom = b"\xef\xbb\xbf"
    marked = bom + "hello wörld".encode("utf-16")  # UTF-16 with its own mark: read as UTF-16
    unmarked = bom + "hello wörld".encode("utf-16-le")
    lines = bom + '{"text": "hi"}\n'.encode("utf-16-le")
    corpus = load_uploads([("a.txt", marked), ("b.txt", unmarked), ("c.jsonl", lines)])
    assert_ledger_invariant(corpus)
    assert corpus.docs["text"].tolist() == ["hello wörld"]
    assert not corpus.docs["text"].str.contains("\x00").any()
    reason = (
        "bad encoding: a UTF-8 byte-order mark over UTF-16 data without its own mark "
        "(it would read as NUL characters); save the file as UTF-8"
    )
    assert corpus.report["reason"].tolist()[1:] == [reason, reason]
