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

from akhbar.analyzers.normalization import normalize


class DateError(ValueError):
    """A date string that is not a date in any accepted format."""


def _quoted(text: str, most: int = 40) -> str:
    """``text`` in quotes for an error message, cut short: an error is one line, whatever was typed.

    >>> _quoted("2016-13"), _quoted("x" * 50, most=10)
    ("'2016-13'", "'xxxxxxxxx…'")
    """
    return f"'{text}'" if len(text) <= most else f"'{text[: most - 1]}…'"


@cache
def month_names() -> dict[str, tuple[int, str]]:
    """Normalized month spelling → (month number, system).

    >>> month_names()["تشرين الاول"], month_names()["ابريل"]
    ((10, 'levant'), (4, 'gulf'))
    """
    text = resources.files("akhbar.analyzers").joinpath("data/months.tsv").read_text("utf-8")
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


# --- date ranges in queries ----------------------------------------------------------

_DATE_END = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")
_LAST_N = re.compile(r"^(?:اخر|خلال|اخر)\s+(\d+)\s+(\S+)$")
_UNITS: Final = {
    "يوم": "day",
    "ايام": "day",
    "يوما": "day",
    "اسبوع": "week",
    "اسابيع": "week",
    "اسبوعا": "week",
    "شهر": "month",
    "اشهر": "month",
    "شهور": "month",
    "شهرا": "month",
    "سنه": "year",
    "سنوات": "year",
    "سنين": "year",
    "عام": "year",
    "اعوام": "year",
    "عاما": "year",
}
_SINCE = re.compile(r"^(\d+)\s*([dwmy])$")


def parse_date_end(text: str, *, end: bool) -> dt.date:
    """``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` as the first (or, with ``end``, last) day it covers."""
    m = _DATE_END.match(text)
    if not m:
        raise ValueError(f"{_quoted(text)} is not a date (use YYYY, YYYY-MM or YYYY-MM-DD)")
    year, month, day = int(m[1]), m[2], m[3]
    if month is None:
        return dt.date(year, 12, 31) if end else dt.date(year, 1, 1)
    mo = int(month)
    if not 1 <= mo <= 12:
        raise ValueError(f"{_quoted(text)}: there is no month {mo}")
    if day is None:
        if not end:
            return dt.date(year, mo, 1)
        return dt.date(year + mo // 12, mo % 12 + 1, 1) - dt.timedelta(days=1)
    try:
        return dt.date(year, mo, int(day))
    except ValueError:
        raise ValueError(f"{_quoted(text)} is not a real date") from None


def _back(today: dt.date, n: int, unit: str) -> dt.date:
    if unit == "day":
        return today - dt.timedelta(days=n - 1)
    if unit == "week":
        return today - dt.timedelta(weeks=n) + dt.timedelta(days=1)
    months = n if unit == "month" else 12 * n
    y, m = divmod(today.year * 12 + today.month - 1 - months, 12)
    day = min(today.day, 28)
    return dt.date(y, m + 1, day) + dt.timedelta(days=1)


def since(spec: str, today: dt.date) -> dt.date:
    """``7d``, ``2w``, ``3m``, ``1y``: the first day of that many days/weeks/months/years up to today.

    >>> since("7d", dt.date(2018, 5, 10))
    datetime.date(2018, 5, 4)
    """
    m = _SINCE.match(spec.strip().lower())
    if not m or int(m[1]) < 1:
        raise ValueError(f"{_quoted(spec)} is not a period (use e.g. 7d, 2w, 3m or 1y)")
    return _back(today, int(m[1]), {"d": "day", "w": "week", "m": "month", "y": "year"}[m[2]])


def _arabic_span(text: str, today: dt.date | None) -> tuple[dt.date, dt.date]:
    from akhbar.analyzers.mentions import extract_dates

    norm = normalize(text.strip())
    if norm in ("اليوم",) and today:
        return today, today
    if norm in ("امس", "البارحه") and today:
        d = today - dt.timedelta(days=1)
        return d, d
    for words, unit in (("هذا الاسبوع", "week"), ("هذا الشهر", "month"), ("هذا العام", "year"), ("هذه السنه", "year")):
        if norm == words and today:
            if unit == "week":
                return today - dt.timedelta(days=today.weekday()), today
            if unit == "month":
                return today.replace(day=1), today
            return today.replace(month=1, day=1), today
    if m := _LAST_N.match(norm):
        unit = _UNITS.get(m[2])
        if unit is None:
            raise ValueError(f"{_quoted(m[2])} is not a unit of time (أيام، أسابيع، أشهر، سنوات)")
        if today is None:
            raise ValueError("a relative date needs today's date")
        return _back(today, int(m[1]), unit), today
    if re.fullmatch(r"\d{4}", norm):
        y = int(norm)
        return dt.date(y, 1, 1), dt.date(y, 12, 31)
    mentions = extract_dates(text, today)
    covered = sum(m.finish - m.begin for m in mentions)
    if len(mentions) == 1 and covered >= len(text.strip()) - 3:
        return mentions[0].start, mentions[0].end
    raise ValueError(f"{_quoted(text)} is not a date (e.g. 2016-10, تشرين الأول 2016, 20 أكتوبر 2016, آخر 7 أيام)")


def parse_date_range(text: str, *, today: dt.date | None = None) -> tuple[dt.date | None, dt.date | None]:
    """A query's date range → inclusive first and last day (None for an open end).

    ``2018``, ``2018-03..2018-05``, ``2018-03-01..``, ``..2013-01-31``, and in Arabic
    «تشرين الأول 2016», «من أكتوبر 2016 إلى ديسمبر 2016», «آخر 7 أيام».

    >>> parse_date_range("2018-02..2018-03")
    (datetime.date(2018, 2, 1), datetime.date(2018, 3, 31))
    >>> parse_date_range("من أكتوبر 2016 إلى ديسمبر 2016")
    (datetime.date(2016, 10, 1), datetime.date(2016, 12, 31))
    """
    text = text.strip()
    if not text:
        raise ValueError("empty date")
    start: dt.date | None
    stop: dt.date | None
    if _DATE_END.match(text) or ".." in text and all(_DATE_END.match(p) for p in text.split("..") if p):
        if ".." in text:
            a, _, b = text.partition("..")
            start = parse_date_end(a, end=False) if a else None
            stop = parse_date_end(b, end=True) if b else None
            if start is None and stop is None:
                raise ValueError("a date range needs at least one end")
        else:
            start, stop = parse_date_end(text, end=False), parse_date_end(text, end=True)
    else:
        norm = normalize(text)
        m = re.fullmatch(r"(?:من|بين)\s+(.+?)\s+(?:الي|حتي|و)\s+(.+)", norm)
        if m:
            # split the original text at the same word boundary
            words = text.split()
            first_len = len(m[1].split())
            a, b = " ".join(words[1 : 1 + first_len]), " ".join(words[2 + first_len :])
            start, stop = _arabic_span(a, today)[0], _arabic_span(b, today)[1]
        else:
            start, stop = _arabic_span(text, today)
    if start and stop and start > stop:
        raise ValueError(f"the range starts ({start}) after it ends ({stop})")
    return start, stop
