"""Dates mentioned in article text, resolved against the publication date.

:func:`extract_dates` finds, with offsets into the original text:

* day month year — «14 نيسان 2018», «١٤ أبريل ٢٠١٨», «3 رمضان 1437 هـ» (Hijri, converted);
* month year — «تشرين الأول 2016», «شهر مايو 2018»;
* day month — «31 تموز الماضي» (the most recent 31 July before publication),
  «في 20 تشرين الأول» (the 20 October nearest to publication), «15 مايو المقبل»;
* numeric dates — 14/04/2018, 2018-04-14;
* year — «عام 2016», «العام 2016» (a bare number is not taken for a year);
* relative words — أمس، أول أمس، اليوم، غداً، الخميس الماضي، الأسبوع المقبل، الشهر الماضي،
  العام المقبل (only when the publication date is known).

A month name needs a day number or a year beside it (or the word شهر before it):
most month names are also ordinary words or names (مارس "practised", رجب, آب,
the Libyan الربيع "spring", الماء "water"), and measured on real articles a bare
month name is more often not a date.  The Libyan names need day, month and year.
"""

from __future__ import annotations

import datetime as dt
import re
from bisect import bisect_left
from dataclasses import dataclass
from functools import cache
from typing import Final

from akhbar.analyzers.dates import month_names
from akhbar.analyzers.normalization import normalize
from akhbar.analyzers.tokenize import iter_words

PAST: Final = frozenset(
    normalize(w) for w in ("الماضي", "الماضية", "المنصرم", "المنصرمة", "الفائت", "السابق", "الفارط", "الفارطة")
)
NEXT: Final = frozenset(normalize(w) for w in ("المقبل", "المقبلة", "القادم", "القادمة"))
YEAR_WORDS: Final = frozenset(normalize(w) for w in ("عام", "العام", "سنة", "السنة", "لعام", "للعام"))
MONTH_WORD: Final = frozenset(normalize(w) for w in ("شهر", "الشهر", "لشهر"))
HIJRI_MARKS: Final = frozenset(("ه", "هـ", "هجري", "هجريه", "للهجره"))
WEEKDAYS: Final = {
    normalize(w): n
    for n, names in enumerate(
        (("الاثنين", "الإثنين"), ("الثلاثاء",), ("الأربعاء",), ("الخميس",), ("الجمعة",), ("السبت",), ("الأحد",))
    )
    for w in names
}
RELATIVE_DAYS: Final = {"امس": -1, "اليوم": 0, "غدا": 1, "البارحه": -1}
PERIODS: Final = {"الاسبوع": "week", "الشهر": "month", "العام": "year", "السنه": "year"}


@dataclass(frozen=True)
class DateMention:
    """A date or period the text mentions: ``start``..``end`` inclusive days."""

    begin: int  # character offsets into the text
    finish: int
    text: str
    start: dt.date
    end: dt.date
    kind: str  # "day", "month", "year", "week", "relative"

    def to_json(self) -> dict:
        return {
            "start": self.begin,
            "end": self.finish,
            "text": self.text,
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "kind": self.kind,
        }


@cache
def _months() -> tuple[dict[str, tuple[int, str]], dict[str, list[tuple[str, int, str]]]]:
    """Single-word month names, and two-word names keyed by their first word."""
    single: dict[str, tuple[int, str]] = {}
    double: dict[str, list[tuple[str, int, str]]] = {}
    for name, (number, system) in month_names().items():
        parts = name.split()
        if len(parts) == 1:
            single[name] = (number, system)
        else:
            double.setdefault(parts[0], []).append((parts[1], number, system))
    return single, double


@cache
def _starters() -> frozenset[str]:
    """Words a date mention can start at besides numbers: month names (also with
    و/ب/ل), year words and relative-date words.  Other words are skipped at once —
    most of a text, and the date pass ran two lookups on each of them."""
    single, double = _months()
    months = set(single) | set(double)
    return frozenset(months | {p + m for m in months for p in "وبل"} | YEAR_WORDS | set(_bare_forms()))


def _month_end(year: int, month: int) -> dt.date:
    nxt = dt.date(year + month // 12, month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def _valid(y: int, m: int, d: int) -> dt.date | None:
    try:
        return dt.date(y, m, d)
    except ValueError:
        return None


def _hijri(y: int, m: int, d: int | None) -> tuple[dt.date, dt.date] | None:
    from hijridate import Hijri

    try:
        if d is not None:
            g = Hijri(y, m, d).to_gregorian()
            day = dt.date(g.year, g.month, g.day)
            return day, day
        first = Hijri(y, m, 1)
        g1 = first.to_gregorian()
        start = dt.date(g1.year, g1.month, g1.day)
        return start, start + dt.timedelta(days=first.month_length() - 1)
    except (ValueError, OverflowError):
        return None


# 25/3/2018, 25.3.2018, 25-3-2018 or 2018-03-25, not inside a longer run of digits and
# separators.  Each branch begins with a digit and looks behind it for what may not
# precede it: a pattern that opens with a look-behind is tried at every character of
# the text; one that opens with a digit skips to the digits (a third faster on ANT).
_NUMERIC = re.compile(
    r"(?:(\d(?<![\d/.-]\d)\d?)[/.-](\d{1,2})[/.-](\d{4})|(\d(?<![\d/.-]\d)\d{3})-(\d{1,2})-(\d{1,2}))(?![\d/.-])"
)


@cache
def _bare_forms() -> dict[str, str]:
    """Relative-date words with a clitic attached → the bare word (وأمس → امس, بالأمس → الامس)."""
    bare = set(RELATIVE_DAYS) | set(WEEKDAYS) | set(PERIODS)
    out = {w: w for w in bare}
    # not ل or ف: لامس "touched", ليوم "for a day", فاليوم "so today" are no dates
    for p in ("وبال", "بال", "وال", "و", "ب"):
        for w in bare:
            out.setdefault(p + w, w)
    for w in list(bare):  # بالأمس → الامس
        if not w.startswith("ال"):
            out.setdefault("بال" + w, w)
    return out


NOT_TODAY: Final = frozenset(
    normalize(w)
    for w in ("التالي", "التالى", "السابق", "نفسه", "ذاته", "الاول", "الثاني", "الاخير", "الذي", "التي", "الموعود")
)
"""«في اليوم التالي», «اليوم نفسه»: a day of the story, not the publication day."""
NAME_WORDS: Final = frozenset(normalize(w) for w in ("ثورة", "ثوره", "حركة", "شباب", "حزب", "انتفاضة", "جمعة", "ذكرى"))
"""«ثورة 25 يناير», «حركة 6 إبريل»: a date used as a name refers to another year."""


def extract_dates(
    text: str, published: dt.date | None = None, words: list[tuple[int, int, str]] | None = None
) -> list[DateMention]:
    """Every date the text mentions, in order.

    >>> [(m.text, str(m.start)) for m in extract_dates("وقعت في 31 تموز الماضي وأمس", dt.date(2017, 8, 4))]
    [('31 تموز الماضي', '2017-07-31'), ('وأمس', '2017-08-03')]
    """
    single, double = _months()
    if words is None:  # (start, end, normalized) per word; the indexer passes its own
        words = [(m.start(), m.end(), normalize(m.group())) for m in iter_words(text)]
    bare_forms = _bare_forms()
    out: list[DateMention] = []
    taken: set[int] = set()
    i = 0
    n = len(words)
    starters = _starters()
    starts = [k for k, (_, _, w) in enumerate(words) if w in starters or w.isdecimal()]

    def next_start(k: int) -> int:
        j = bisect_left(starts, k)
        return starts[j] if j < len(starts) else n

    def number(k: int, lo: int, hi: int) -> int | None:
        if 0 <= k < n and words[k][2].isdecimal() and len(words[k][2]) <= 4:  # not isdigit: ❶
            v = int(words[k][2])
            return v if lo <= v <= hi else None
        return None

    def month_at(k: int) -> tuple[int, str, int] | None:
        """(month, system, words used) for a month name starting at word k."""
        if not 0 <= k < n:
            return None
        w = words[k][2]
        for first in (w, w[1:] if w[:1] in "وبل" else None):
            if not first or (first is not w and len(first) < 4):  # لاب is no «ل + آب»
                continue
            if first in double and k + 1 < n:
                for second, number_, system in double[first]:
                    if words[k + 1][2] == second:
                        return number_, system, 2
            if first in single:
                return single[first][0], single[first][1], 1
        return None

    def add(a: int, b: int, start: dt.date, end: dt.date, kind: str) -> None:
        out.append(DateMention(words[a][0], words[b][1], text[words[a][0] : words[b][1]], start, end, kind))
        taken.update(range(a, b + 1))

    while (i := next_start(i)) < n:
        w = words[i][2]
        day = number(i, 1, 31)
        if day is not None and i > 0 and (words[i - 1][2] in NAME_WORDS or words[i - 1][2][1:] in NAME_WORDS):
            i += 1
            continue
        mo = month_at(i + 1) if day is not None else month_at(i)
        if mo is not None:
            month, system, used = mo
            m_index = i + 1 if day is not None else i
            after = m_index + used
            # «8 مارس/آذار 2014»: the same month in a second system
            if (again := month_at(after)) is not None and again[0] == month:
                after += again[2]
            if 0 <= after < n and words[after][2] == "من" and after + 1 < n and words[after + 1][2] in YEAR_WORDS:
                after += 1  # «شهر مارس من العام 2014»
            year_index = after + 1 if 0 <= after < n and words[after][2] in YEAR_WORDS else after
            year = number(year_index, 1300, 2100)
            hijri = system == "hijri"
            if hijri and year is not None and not (1343 <= year <= 1500):
                year = None
            end_index = year_index if year is not None else after - 1
            if year is not None and end_index + 1 < n and words[end_index + 1][2] in HIJRI_MARKS:
                end_index += 1
            first = i
            if day is None and i > 0 and words[i - 1][2] in MONTH_WORD:
                first = i - 1
            if system == "libya" and (day is None or year is None):
                mo = None
            elif year is not None:
                if hijri:
                    span = _hijri(year, month, day)
                    if span:
                        add(first, end_index, span[0], span[1], "day" if day else "month")
                        i = end_index + 1
                        continue
                elif day is not None:
                    d = _valid(year, month, day)
                    if d:
                        add(first, end_index, d, d, "day")
                        i = end_index + 1
                        continue
                else:
                    add(first, end_index, dt.date(year, month, 1), _month_end(year, month), "month")
                    i = end_index + 1
                    continue
            elif day is not None and published is not None and not hijri and system != "libya":
                qualifier = words[after][2] if after < n else ""
                candidates = [_valid(published.year + k, month, day) for k in (-1, 0, 1)]
                candidates = [c for c in candidates if c]
                if qualifier in PAST:
                    past = [c for c in candidates if c <= published]
                    chosen = max(past) if past else None
                    last = after
                elif qualifier in NEXT:
                    future = [c for c in candidates if c >= published]
                    chosen = min(future) if future else None
                    last = after
                else:
                    chosen = min(candidates, key=lambda c: abs((c - published).days)) if candidates else None
                    last = after - 1
                if chosen:
                    add(i, last, chosen, chosen, "day")
                    i = last + 1
                    continue
            elif day is None and not hijri and system != "libya" and published is not None:
                qualifier = words[after][2] if after < n else ""
                this_month = published.replace(day=1)
                cands = [dt.date(published.year + k, month, 1) for k in (-1, 0, 1)]
                chosen = None
                if qualifier in PAST:  # «أكتوبر الماضي»: the latest such month before this one
                    chosen = max(c for c in cands if c < this_month)
                    last = after
                elif qualifier in NEXT:  # «يونيو المقبل»: the next such month
                    chosen = min(c for c in cands if c > this_month)
                    last = after
                elif first == i - 1:  # «شهر أيار»: the nearest such month
                    chosen = min(cands, key=lambda c: abs((c - this_month).days))
                    last = after - 1
                if chosen is not None:
                    add(first, last, chosen, _month_end(chosen.year, chosen.month), "month")
                    i = last + 1
                    continue
        if w in YEAR_WORDS and (y := number(i + 1, 1900, 2100)) is not None:
            add(i, i + 1, dt.date(y, 1, 1), dt.date(y, 12, 31), "year")
            i += 2
            continue
        if published is not None:
            bare = bare_forms.get(w, w)
            nxt = words[i + 1][2] if i + 1 < n else ""
            if bare in RELATIVE_DAYS:
                prev = words[i - 1][2] if i > 0 else ""
                if bare == "اليوم" and (nxt in NOT_TODAY or nxt.isdecimal() or prev in ("نفس", "ذات", "حتي", "وحتي")):
                    i += 1
                    continue
                if bare == "امس" and prev == "من" and i > 1 and words[i - 2][2] == "اول":
                    d = published - dt.timedelta(days=2)
                    add(i - 2, i, d, d, "relative")
                elif bare == "امس" and i > 0 and words[i - 1][2] == "اول":
                    d = published - dt.timedelta(days=2)
                    add(i - 1, i, d, d, "relative")
                elif bare == "امس" and nxt == "الاول":
                    d = published - dt.timedelta(days=2)
                    add(i, i + 1, d, d, "relative")
                    i += 2
                    continue
                else:
                    d = published + dt.timedelta(days=RELATIVE_DAYS[bare])
                    add(i, i, d, d, "relative")
                i += 1
                continue
            weekday = WEEKDAYS.get(bare)
            if weekday is not None and (nxt in PAST or nxt in NEXT):
                delta = (published.weekday() - weekday) % 7 or 7
                d = (
                    published - dt.timedelta(days=delta)
                    if nxt in PAST
                    else published + dt.timedelta(days=((weekday - published.weekday()) % 7 or 7))
                )
                add(i, i + 1, d, d, "relative")
                i += 2
                continue
            period = PERIODS.get(bare)
            if period and (nxt in PAST or nxt in NEXT):
                sign = -1 if nxt in PAST else 1
                if period == "week":
                    monday = published - dt.timedelta(days=published.weekday()) + dt.timedelta(weeks=sign)
                    add(i, i + 1, monday, monday + dt.timedelta(days=6), "week")
                elif period == "month":
                    y, m = divmod(published.year * 12 + published.month - 1 + sign, 12)
                    add(i, i + 1, dt.date(y, m + 1, 1), _month_end(y, m + 1), "month")
                else:
                    y = published.year + sign
                    add(i, i + 1, dt.date(y, 1, 1), dt.date(y, 12, 31), "year")
                i += 2
                continue
        i += 1
    # numeric dates, where the words above found nothing
    for m in _NUMERIC.finditer(text):
        if m[1]:
            d = _valid(int(m[3]), int(m[2]), int(m[1]))
        else:
            d = _valid(int(m[4]), int(m[5]), int(m[6]))
        if d and not any(o.begin <= m.start() < o.finish for o in out):
            out.append(DateMention(m.start(), m.end(), m.group(), d, d, "day"))
    out.sort(key=lambda o: o.begin)
    return out
