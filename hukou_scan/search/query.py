"""Query parsing: the user's text → match groups for the index and field look-ups.

A query is split on whitespace into words; every word is split into runs the same way
indexed text is (:mod:`hukou_scan.search.tokens`).  Every run becomes one
:class:`MatchGroup` and all groups must match (AND).  A digit run that is (or starts
like) a citizen ID number also matches its 15/18-digit equivalent, so an old 15-digit
number finds pages and persons recorded with the new 18-digit one and vice versa.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from hukou_scan.domain import idnumber
from hukou_scan.domain.search import AtomKind, MatchAtom, MatchGroup
from hukou_scan.search.tokens import normalize, runs

_ID_LIKE = re.compile(r"^\d{15}$|^\d{17}[\dx]$")


@dataclass(frozen=True)
class ParsedQuery:
    raw: str
    groups: tuple[MatchGroup, ...]
    needles: tuple[str, ...]  # normalised strings to find in stored text for snippets/boxes
    field_value: str = ""  # the whole query when it is one word: for exact field matches
    id_values: tuple[str, ...] = ()  # normalised ID-number forms (18- and 15-digit) to match exactly
    id_prefix: str = ""  # digits typed so far when the query looks like the start of an ID number
    name_like: bool = False  # one CJK word of 2–4 characters: worth a name look-up
    phrases: tuple[str, ...] = ()  # CJK runs of 3+ characters: to confirm in page text
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not self.groups


def id_equivalents(digits: str) -> tuple[str, ...]:
    """All forms of an ID number the archive may hold: as typed, 18-digit and 15-digit.

    Returned lower-cased (index tokens are lower case); a trailing check ``x`` stays.
    """
    s = idnumber.normalize(digits)
    forms: list[str] = [s]
    if len(s) == 15 and s.isdigit():
        forms.append(idnumber.upgrade15(s))
    elif len(s) == 18 and s[6:8] == "19" and s[:17].isdigit():
        forms.append(s[:6] + s[8:17])
    out: list[str] = []
    for f in forms:
        if f.lower() not in out:
            out.append(f.lower())
    return tuple(out)


def parse(text: str) -> ParsedQuery:
    """Parse a query; an empty or punctuation-only query gives no groups."""
    raw = text.strip()
    groups: list[MatchGroup] = []
    needles: list[str] = []
    id_values: tuple[str, ...] = ()
    id_prefix = ""
    words = normalize(raw).split()
    for word in words:
        for run in runs(word):
            needles.append(run.text)
            if run.kind == "cjk":
                if len(run.text) == 1:
                    atom = MatchAtom(AtomKind.UNIGRAM, (run.text,))
                else:
                    t = run.text
                    atom = MatchAtom(AtomKind.PHRASE, tuple(t[k : k + 2] for k in range(len(t) - 1)))
                groups.append(MatchGroup((atom,)))
                continue
            if _ID_LIKE.match(run.text):
                forms = id_equivalents(run.text)
                id_values = forms
                groups.append(MatchGroup(tuple(MatchAtom(AtomKind.PREFIX, (f,)) for f in forms)))
                needles.extend(f for f in forms if f != run.text)
                continue
            if run.text.isdigit() and len(run.text) >= 6:
                id_prefix = run.text
            groups.append(MatchGroup((MatchAtom(AtomKind.PREFIX, (run.text,)),)))
    field_value = raw if len(words) == 1 else ""
    name_like = len(words) == 1 and 2 <= len(raw) <= 4 and all(r.kind == "cjk" for r in runs(normalize(raw)))
    return ParsedQuery(
        raw=raw,
        groups=tuple(groups),
        needles=tuple(dict.fromkeys(n for n in needles if n)),
        field_value=field_value,
        id_values=id_values,
        id_prefix=id_prefix,
        name_like=name_like,
        phrases=tuple(
            g.alternatives[0].tokens[0][0] + "".join(t[1] for t in g.alternatives[0].tokens)
            for g in groups
            if g.alternatives[0].kind == AtomKind.PHRASE and len(g.alternatives[0].tokens) >= 2
        ),
    )
