"""Bytes to text: decode a file, or say why it is not read.

UTF-8 (with or without BOM), UTF-16/UTF-32 with BOM, cp1252 and GB18030 are
read. A file in none of these (broken UTF-8, Shift-JIS, EUC-JP, EUC-KR, Big5, a
UTF-8 mark over unmarked UTF-16) gets a ``bad encoding: ...`` (or ``binary
file ...``) quarantine reason, never a decoding with replacement characters or
as another encoding.
"""

from __future__ import annotations

import codecs
import re

_BAD_ENCODING = "bad encoding: not UTF-8/UTF-16/cp1252/GB18030 (convert the file to UTF-8)"
_BINARY = (
    "binary file (it contains NUL bytes; if it is UTF-16 text, save it with a BOM or as UTF-8)"
)


_LEGACY_ENCODINGS = ("cp1252", "gb18030")


def _decode(data: bytes) -> tuple[str, str] | tuple[None, str]:
    """``(text, encoding)`` or ``(None, reason)``; never replaces a character."""
    for bom, encoding in (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if not data.startswith(bom):
            continue
        if encoding == "utf-8-sig" and b"\x00" in data:
            # A UTF-8 mark written over UTF-16 data by a tool that added it blindly.
            inner, found = _decode(data[len(bom) :])
            if inner is not None and "\x00" not in inner:
                return inner, f"{found} (under a stray UTF-8 byte-order mark)"
            return None, (
                "bad encoding: a UTF-8 byte-order mark over UTF-16 data without its own mark "
                "(it would read as NUL characters); save the file as UTF-8"
            )
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError as error:
            line = data.count(b"\n", 0, error.start) + 1
            return None, f"bad encoding: invalid {encoding.upper()} near line {line}"
    if b"\x00" in data:
        return None, _BINARY
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as error:
        bad_byte, bad_at = data[error.start], error.start
    if _mostly_utf8(data) or _broken_utf8(data, bad_at):
        # One stray byte in a UTF-8 file: decoding it all as cp1252 would garble every
        # other accented letter, so the file is refused with the place to fix.
        line = data.count(b"\n", 0, bad_at) + 1
        return None, (
            f"bad encoding: invalid UTF-8 byte 0x{bad_byte:02X} on line {line} "
            "(the rest is UTF-8; fix or delete that byte)"
        )
    other = _other_cjk_encoding(data)
    if other is not None:
        return None, (
            f"bad encoding: this looks like {other}, which is not read (only UTF-8, UTF-16, "
            "cp1252 and GB18030 are); convert the file to UTF-8"
        )
    decoded: dict[str, str] = {}
    for encoding in _LEGACY_ENCODINGS:
        try:
            decoded[encoding] = data.decode(encoding)
        except UnicodeDecodeError:
            continue
    if not decoded:
        return None, _BAD_ENCODING
    if len(decoded) == 1:
        encoding = next(iter(decoded))
        return decoded[encoding], encoding
    encoding = _choose_legacy(data, decoded)
    return decoded[encoding], encoding


_ESCAPED = re.compile("[\udc80-\udcff]")


_ASCII_BYTES = bytes(range(128))
_BROKEN_WINDOW = 1 << 19


def _broken_utf8(data: bytes, bad_at: int) -> bool:
    """True when at most half the non-ASCII bytes around the first invalid one are
    invalid UTF-8: UTF-8 with stray bytes.

    cp1252 and GB18030 text read as UTF-8 is almost all invalid (a lone accented
    byte, a double-byte pair); "café" with one bad byte beside it is not. A
    megabyte around ``bad_at`` is judged (a cut character at its edges costs a
    few bytes), so a large file costs no more than a small one.
    """
    window = data[max(0, bad_at - _BROKEN_WINDOW) : bad_at + _BROKEN_WINDOW]
    non_ascii = len(window.translate(None, _ASCII_BYTES))
    invalid = len(_ESCAPED.findall(window.decode("utf-8", "surrogateescape")))
    return 0 < invalid <= non_ascii / 2


_OTHER_CJK = {
    "shift_jis": "Shift-JIS (Japanese)",
    "euc_jp": "EUC-JP (Japanese)",
    "euc_kr": "EUC-KR (Korean)",
    "big5": "Big5 (traditional Chinese)",
}
_KANA = re.compile("[\u3040-\u30ff]")
_HANGUL = re.compile("[\uac00-\ud7a3]")
_HAN_SPACE_HAN = re.compile("[\u4e00-\u9fff] [\u4e00-\u9fff]")


def _strict(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return None


def _other_cjk_encoding(data: bytes) -> str | None:
    """The name of a Japanese or Korean encoding (or Big5) ``data`` is in, if it clearly is.

    GB18030 decodes almost any byte string, so such files would load as Chinese
    mojibake. Three signs, any of which suffices: charset-normalizer ranks an
    encoding of :data:`_OTHER_CJK` strictly less chaotic than cp1252 and
    GB18030; the bytes read as Shift-JIS with kana while most of their GB18030
    reading lies outside GB2312 (Shift-JIS lead bytes are not GB2312's); they
    read as EUC-KR in Hangul only, and their GB18030 reading puts spaces between
    Han characters (Korean spaces its words, Chinese does not).
    """
    if data.isascii():
        return None
    # The byte-structure signs read a sample, cut at a line break (never inside a character).
    sample = data[: 1 << 16]
    if len(data) > len(sample) and sample.rfind(b"\n") > 0:
        sample = sample[: sample.rfind(b"\n")]
    chinese = _strict(sample, "gb18030")
    japanese = _strict(sample, "shift_jis")
    if chinese is not None and japanese is not None:
        kana = len(_KANA.findall(japanese))
        wide = [char for char in chinese if ord(char) > 127]
        outside = sum(1 for char in wide if _strict_encode(char, "gb2312") is None)
        if (
            kana
            and kana >= 0.2 * sum(1 for c in japanese if ord(c) > 127)
            and outside > len(wide) / 3
        ):
            return _OTHER_CJK["shift_jis"]
    korean = _strict(sample, "euc_kr")
    if chinese is not None and korean is not None:
        wide_korean = [char for char in korean if ord(char) > 127]
        hangul = len(_HANGUL.findall(korean))
        if (
            wide_korean
            and hangul >= 0.9 * len(wide_korean)
            and len(_HAN_SPACE_HAN.findall(chinese)) >= 2
        ):
            return _OTHER_CJK["euc_kr"]
    from charset_normalizer import from_bytes

    matches = list(from_bytes(data, cp_isolation=[*_LEGACY_ENCODINGS, *_OTHER_CJK]))
    ours = [m.chaos for m in matches if m.encoding in _LEGACY_ENCODINGS]
    theirs = [m for m in matches if m.encoding in _OTHER_CJK]
    if theirs:
        best = min(theirs, key=lambda m: m.chaos)
        if not ours or best.chaos < min(ours):
            return _OTHER_CJK[str(best.encoding)]
    return None


def _strict_encode(char: str, encoding: str) -> bytes | None:
    try:
        return char.encode(encoding)
    except UnicodeEncodeError:
        return None


def _mostly_utf8(data: bytes) -> bool:
    """True when most non-ASCII lines are valid UTF-8: a UTF-8 file with stray bytes.

    Counted by line because cp1252 and GB18030 lines are almost never valid UTF-8
    by chance, whereas byte statistics misjudge short files.
    """
    valid = invalid = 0
    for line in data.split(b"\n"):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            invalid += 1
        else:
            valid += 1
    return valid > 0 and valid >= invalid


def _choose_legacy(data: bytes, decoded: dict[str, str]) -> str:
    """cp1252 or GB18030, when both decode: charset-normalizer picks the less garbled."""
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=list(decoded)).best()
    if best is not None and best.encoding in decoded:
        return str(best.encoding)
    # No verdict: Chinese read as GB18030 is mostly Han characters, cp1252 mojibake is not.
    chinese = decoded["gb18030"]
    non_ascii = [char for char in chinese if ord(char) > 127]
    han = sum(
        1 for char in non_ascii if "\u4e00" <= char <= "\u9fff" or "\u3000" <= char <= "\u303f"
    )
    return "gb18030" if non_ascii and han / len(non_ascii) > 0.8 else "cp1252"


def _clean(text: str) -> str:
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.strip().lstrip("\ufeff").strip()
