"""Dates: publication dates in the formats archives use, and Arabic month names.

:func:`parse_date` reads a publication date from a corpus field.  It accepts ISO
dates and datetimes (with or without a time zone — the date is taken in the
article's own zone), RFC 822 (``Sat, 14 Apr 2018 10:00:00 +0400``), ``DD/MM/YYYY``
(also with ``-`` or ``.``), ``YYYY/MM/DD``, ``YYYYMMDD`` and Arabic written dates
in any regional month system («14 نيسان 2018», «الأربعاء 2 مايو 2018»,
«١٤ أبريل ٢٠١٨»).  What it cannot read it refuses with :class:`DateError`;
it never guesses.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re
from functools import cache
from importlib import resources
from typing import Final

from analyzers.normalization import normalize


class DateError(ValueError):
    """A date string that is not a date in any accepted format."""


@cache
def month_names() -> dict[str, tuple[int, str]]:
    """Normalized month spelling → (month number, system).

    >>> month_names()["تشرين الاول"], month_names()["ابريل"]
    ((10, 'levant'), (4, 'gulf'))
    """
    text = resources.files("analyzers").joinpath("data/months.tsv").read_text("utf-8")
    names: dict[str, tuple[int, str]] = {}
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        number, system, spelling = line.split("\t")
        names[normalize(spelling)] = (int(number), system)
    return names


WEEKDAYS: Final = frozenset(
    normalize(w) for w in ("السبت", "الأحد", "الاثنين", "الإثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة")
)

_ISO = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[Tt ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*(z|[+-]\d{2}:?\d{2})?)?$"
)
_DMY = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_YMD_SLASH = re.compile(r"(\d{4})[/.](\d{1,2})[/.](\d{1,2})$")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})$")


def _month_pattern() -> re.Pattern[str]:
    names = sorted(month_names(), key=len, reverse=True)
    alternatives = "|".join(re.escape(n).replace(r"\ ", r"\s+") for n in names)
    return re.compile(rf"(?:(\d{{1,2}})\s+)?(?:من\s+|شهر\s+)?({alternatives})\s*[,،]?\s+(?:عام\s+|سنه\s+)?(\d{{4}})")


_ARABIC_WRITTEN: re.Pattern[str] | None = None


def _make(year: int, month: int, day: int, raw: str) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError as e:
        raise DateError(f"not a real date: {raw!r} ({e})") from None


def parse_date(value: str) -> dt.date | None:
    """The publication date in ``value``; None for an empty value.

    >>> parse_date("2018-04-14T10:00:00+04:00"), parse_date("Sat, 14 Apr 2018 10:00:00 +0400")
    (datetime.date(2018, 4, 14), datetime.date(2018, 4, 14))
    >>> parse_date("١٤ أبريل ٢٠١٨"), parse_date("الأربعاء 2 مايو 2018"), parse_date("14/04/2018")
    (datetime.date(2018, 4, 14), datetime.date(2018, 5, 2), datetime.date(2018, 4, 14))
    """
    global _ARABIC_WRITTEN
    raw = value
    text = normalize(value.strip())  # also folds Arabic-Indic digits
    if not text:
        return None
    if m := _ISO.match(text):
        return _make(int(m[1]), int(m[2]), int(m[3]), raw)
    if m := _DMY.match(text):
        return _make(int(m[3]), int(m[2]), int(m[1]), raw)
    if m := _YMD_SLASH.match(text):
        return _make(int(m[1]), int(m[2]), int(m[3]), raw)
    if m := _COMPACT.match(text):
        return _make(int(m[1]), int(m[2]), int(m[3]), raw)
    if re.match(r"[a-z]{3},?\s|\d{1,2}\s+[a-z]{3}\s+\d{4}", text):
        try:
            return email.utils.parsedate_to_datetime(value.strip()).date()
        except (TypeError, ValueError, IndexError):
            raise DateError(f"not a date: {raw!r}") from None
    if _ARABIC_WRITTEN is None:
        _ARABIC_WRITTEN = _month_pattern()
    words = text.replace("،", " ").split()
    if words and words[0] in WEEKDAYS:
        text = " ".join(words[1:])
    if m := _ARABIC_WRITTEN.fullmatch(text.strip()):
        month, system = month_names()[re.sub(r"\s+", " ", m[2])]
        if system == "hijri":
            raise DateError(f"Hijri publication dates are not supported yet: {raw!r}")
        return _make(int(m[3]), month, int(m[1] or 1), raw) if m[1] else _make(int(m[3]), month, 1, raw)
    raise DateError(f"not a date: {raw!r} (expected e.g. 2018-04-14, 14/04/2018 or 14 نيسان 2018)")
