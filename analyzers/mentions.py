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
    if words is None:  # (start, end, normalized) per word; the indexer passes its own
        words = [(m.start(), m.end(), normalize(m.group())) for m in iter_words(text)]
    out = _DateReader(text, words, published).read()
    # numeric dates, where the words found nothing
    for m in _NUMERIC.finditer(text):
        if m[1]:
            d = _valid(int(m[3]), int(m[2]), int(m[1]))
        else:
            d = _valid(int(m[4]), int(m[5]), int(m[6]))
        if d and not any(o.begin <= m.start() < o.finish for o in out):
            out.append(DateMention(m.start(), m.end(), m.group(), d, d, "day"))
    out.sort(key=lambda o: o.begin)
    return out


class _DateReader:
    """One pass over a text's words.  Each rule looks at the word where a date may
    start and returns where reading goes on if it took the words (None if not), in
    the order they are tried: a named month (with its day and year, or resolved
    against publication), a year word, a relative day, a weekday, a relative period."""

    def __init__(self, text: str, words: list[tuple[int, int, str]], published: dt.date | None) -> None:
        self.text, self.words, self.published = text, words, published
        self.norms = [w for _, _, w in words]
        self.n = len(words)
        self.out: list[DateMention] = []
        starters = _starters()
        self.starts = [k for k, w in enumerate(self.norms) if w in starters or w.isdecimal()]
        self.next = 0  # words before this are read
        self.bare = _bare_forms()

    def read(self) -> list[DateMention]:
        rules = [self._named_month, self._year]
        if self.published is not None:  # relative words need the publication date
            rules += [self._relative_day, self._weekday, self._period]
        for i in self.starts:
            if i < self.next or self._date_as_name(i):
                continue
            for rule in rules:
                if (j := rule(i)) is not None:
                    self.next = j
                    break
        return self.out

    # --- reading words --------------------------------------------------------------

    def _word(self, k: int) -> str:
        return self.norms[k] if 0 <= k < self.n else ""

    def _number(self, k: int, lo: int, hi: int) -> int | None:
        w = self._word(k)
        if w.isdecimal() and len(w) <= 4:  # not isdigit: ❶
            v = int(w)
            return v if lo <= v <= hi else None
        return None

    def _month_at(self, k: int) -> tuple[int, str, int] | None:
        """(month, system, words used) for a month name starting at word k."""
        if not 0 <= k < self.n:
            return None
        single, double = _months()
        w = self.norms[k]
        for first in (w, w[1:] if w[:1] in "وبل" else None):
            if not first or (first is not w and len(first) < 4):  # لاب is no «ل + آب»
                continue
            if first in double and k + 1 < self.n:
                for second, number_, system in double[first]:
                    if self.norms[k + 1] == second:
                        return number_, system, 2
            if first in single:
                return single[first][0], single[first][1], 1
        return None

    def _add(self, a: int, b: int, start: dt.date, end: dt.date, kind: str) -> int:
        """Record words a..b as a date; reading goes on after them."""
        begin, finish = self.words[a][0], self.words[b][1]
        self.out.append(DateMention(begin, finish, self.text[begin:finish], start, end, kind))
        return b + 1

    # --- the rules ----------------------------------------------------------------

    def _date_as_name(self, i: int) -> bool:
        """«ثورة 25 يناير»: a day number after a name word is part of a name."""
        if i == 0 or not self.norms[i].isdecimal():
            return False
        prev = self.norms[i - 1]
        return self._number(i, 1, 31) is not None and (prev in NAME_WORDS or prev[1:] in NAME_WORDS)

    def _named_month(self, i: int) -> int | None:
        """A month name, with a day before it and/or a year after it, or alone after شهر."""
        day = self._number(i, 1, 31)
        m_index = i + 1 if day is not None else i
        found = self._month_at(m_index)
        if found is None:
            return None
        month, system, used = found
        after = m_index + used
        # «8 مارس/آذار 2014»: the same month in a second system
        if (again := self._month_at(after)) is not None and again[0] == month:
            after += again[2]
        if self._word(after) == "من" and self._word(after + 1) in YEAR_WORDS:
            after += 1  # «شهر مارس من العام 2014»
        year_index = after + 1 if self._word(after) in YEAR_WORDS else after
        year = self._number(year_index, 1300, 2100)
        hijri = system == "hijri"
        if hijri and year is not None and not (1343 <= year <= 1500):
            year = None
        first = i - 1 if day is None and self._word(i - 1) in MONTH_WORD and i > 0 else i
        if system == "libya" and (day is None or year is None):
            return None
        if year is not None:
            last = year_index + (self._word(year_index + 1) in HIJRI_MARKS)
            return self._dated(first, last, year, month, day, hijri)
        if hijri or system == "libya" or self.published is None:
            return None
        if day is not None:
            return self._nearest_day(i, after, month, day)
        return self._nearest_month(i, first, after, month)

    def _dated(self, first: int, last: int, year: int, month: int, day: int | None, hijri: bool) -> int | None:
        """A month with its year: a day, or the whole month."""
        if hijri:
            span = _hijri(year, month, day)
            return self._add(first, last, span[0], span[1], "day" if day else "month") if span else None
        if day is None:
            return self._add(first, last, dt.date(year, month, 1), _month_end(year, month), "month")
        d = _valid(year, month, day)
        return self._add(first, last, d, d, "day") if d else None

    def _nearest_day(self, i: int, after: int, month: int, day: int) -> int | None:
        """«31 تموز الماضي», «15 مايو المقبل», «في 20 تشرين الأول»: the year from publication."""
        published = self.published
        assert published is not None
        qualifier = self._word(after)
        candidates = [c for k in (-1, 0, 1) if (c := _valid(published.year + k, month, day))]
        if qualifier in PAST:
            chosen, last = max((c for c in candidates if c <= published), default=None), after
        elif qualifier in NEXT:
            chosen, last = min((c for c in candidates if c >= published), default=None), after
        else:
            chosen = min(candidates, key=lambda c: abs((c - published).days)) if candidates else None
            last = after - 1
        return self._add(i, last, chosen, chosen, "day") if chosen else None

    def _nearest_month(self, i: int, first: int, after: int, month: int) -> int | None:
        """«أكتوبر الماضي», «يونيو المقبل», «شهر أيار»: a month from publication."""
        assert self.published is not None
        qualifier = self._word(after)
        this_month = self.published.replace(day=1)
        cands = [dt.date(self.published.year + k, month, 1) for k in (-1, 0, 1)]
        if qualifier in PAST:  # the latest such month before this one
            chosen, last = max(c for c in cands if c < this_month), after
        elif qualifier in NEXT:  # the next such month
            chosen, last = min(c for c in cands if c > this_month), after
        elif first == i - 1:  # after شهر: the nearest such month
            chosen, last = min(cands, key=lambda c: abs((c - this_month).days)), after - 1
        else:
            return None
        return self._add(first, last, chosen, _month_end(chosen.year, chosen.month), "month")

    def _year(self, i: int) -> int | None:
        """«عام 2016»: a year word and a year (a bare number is not taken for a year)."""
        if self.norms[i] in YEAR_WORDS and (y := self._number(i + 1, 1900, 2100)) is not None:
            return self._add(i, i + 1, dt.date(y, 1, 1), dt.date(y, 12, 31), "year")
        return None

    def _relative_day(self, i: int) -> int | None:
        """أمس، أول أمس، أمس الأول، اليوم، غدا — not «اليوم التالي» or «نفس اليوم»."""
        published = self.published
        assert published is not None
        bare = self.bare.get(self.norms[i], self.norms[i])
        if bare not in RELATIVE_DAYS:
            return None
        prev, nxt = self._word(i - 1), self._word(i + 1)
        if bare == "اليوم" and (nxt in NOT_TODAY or nxt.isdecimal() or prev in ("نفس", "ذات", "حتي", "وحتي")):
            return i + 1
        before_yesterday = published - dt.timedelta(days=2)
        if bare == "امس" and prev == "من" and self._word(i - 2) == "اول" and i > 1:
            self._add(i - 2, i, before_yesterday, before_yesterday, "relative")
        elif bare == "امس" and prev == "اول" and i > 0:
            self._add(i - 1, i, before_yesterday, before_yesterday, "relative")
        elif bare == "امس" and nxt == "الاول":
            return self._add(i, i + 1, before_yesterday, before_yesterday, "relative")
        else:
            d = published + dt.timedelta(days=RELATIVE_DAYS[bare])
            self._add(i, i, d, d, "relative")
        return i + 1

    def _weekday(self, i: int) -> int | None:
        """«الخميس الماضي», «السبت المقبل»."""
        published = self.published
        assert published is not None
        weekday = WEEKDAYS.get(self.bare.get(self.norms[i], self.norms[i]))
        nxt = self._word(i + 1)
        if weekday is None or not (nxt in PAST or nxt in NEXT):
            return None
        if nxt in PAST:
            d = published - dt.timedelta(days=(published.weekday() - weekday) % 7 or 7)
        else:
            d = published + dt.timedelta(days=(weekday - published.weekday()) % 7 or 7)
        return self._add(i, i + 1, d, d, "relative")

    def _period(self, i: int) -> int | None:
        """«الأسبوع الماضي», «الشهر المقبل», «العام الماضي»."""
        published = self.published
        assert published is not None
        period = PERIODS.get(self.bare.get(self.norms[i], self.norms[i]))
        nxt = self._word(i + 1)
        if not period or not (nxt in PAST or nxt in NEXT):
            return None
        sign = -1 if nxt in PAST else 1
        if period == "week":
            monday = published - dt.timedelta(days=published.weekday()) + dt.timedelta(weeks=sign)
            return self._add(i, i + 1, monday, monday + dt.timedelta(days=6), "week")
        if period == "month":
            y, m = divmod(published.year * 12 + published.month - 1 + sign, 12)
            return self._add(i, i + 1, dt.date(y, m + 1, 1), _month_end(y, m + 1), "month")
        y = published.year + sign
        return self._add(i, i + 1, dt.date(y, 1, 1), dt.date(y, 12, 31), "year")
