"""Arabic letters and marks, named once for the whole project.

Every rule in :mod:`analyzers` refers to characters through these names (taken
from ``pyarabic.araby`` where it has them) rather than bare literals, so a reader
can see which letter a rule is about.
"""

from __future__ import annotations

from pyarabic import araby

ALEF = araby.ALEF  # ا
ALEF_MADDA = araby.ALEF_MADDA  # آ
ALEF_HAMZA_ABOVE = araby.ALEF_HAMZA_ABOVE  # أ
ALEF_HAMZA_BELOW = araby.ALEF_HAMZA_BELOW  # إ
ALEF_WASLA = "\u0671"  # ٱ
ALEF_MAKSURA = araby.ALEF_MAKSURA  # ى
YEH = araby.YEH  # ي
TEH_MARBUTA = araby.TEH_MARBUTA  # ة
HEH = araby.HEH  # ه
WAW = araby.WAW  # و
WAW_HAMZA = araby.WAW_HAMZA  # ؤ
YEH_HAMZA = araby.YEH_HAMZA  # ئ
HAMZA = araby.HAMZA  # ء
KAF = araby.KAF  # ك
TATWEEL = araby.TATWEEL  # ـ

# Persian and Urdu letter forms that Arabic-script archives mix in.
FARSI_YEH = "\u06cc"  # ی
KEHEH = "\u06a9"  # ک
HEH_YEH = "\u06c0"  # ۀ
HEH_GOAL = "\u06c1"  # ہ
TEH_MARBUTA_GOAL = "\u06c3"  # ۃ
YEH_BARREE = "\u06d2"  # ے

# Harakat, shadda, sukun and the other combining marks (U+064B..U+065F),
# superscript alef (U+0670) and the small Quranic marks (U+0610..U+061A).
HARAKAT = "".join(chr(c) for c in range(0x064B, 0x0660))
SUPERSCRIPT_ALEF = "\u0670"
QURANIC_MARKS = "".join(chr(c) for c in range(0x0610, 0x061B))
MARKS = HARAKAT + SUPERSCRIPT_ALEF + QURANIC_MARKS

ARABIC_INDIC_DIGITS = "٠١٢٣٤٥٦٧٨٩"
PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹"

# Arabic presentation forms A and B (ligatures such as lam-alef ﻻ live here).
PRESENTATION_FORMS = "\ufb50-\ufdff\ufe70-\ufeff"
