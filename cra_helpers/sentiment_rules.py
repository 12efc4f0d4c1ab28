"""The B2B rule layer of :mod:`cra_helpers.sentiment`: complaint cues, negated problems and middling language.

:func:`rule_polarity` hears complaint cues ("still waiting", "had to chase",
"late again") and negated or rare problems ("no complaints", "hardly any
rejects"); :func:`rule_neutral` hears middling and benchmark language ("on par
with", "about what we expect"). :func:`_apply_rules` lets a cue override the
model's class and score (at least :data:`RULE_SCORE` in the cue's direction; a
middling remark without a polar cue is clipped to ±:data:`NEUTRAL_RULE_SCORE`).
"""

from __future__ import annotations

import re
from typing import Iterable, Sequence

import numpy as np

RULE_SCORE = 0.5
"""Least |score| of a remark whose class a polar cue sets."""
NEUTRAL_RULE_SCORE = 0.2
"""Largest |score| of a remark that middling language makes neutral."""


_PROBLEM = (r"(?:problems?|issues?|complaints?|defects?|rejects?|rejections?|claims?|errors?|mistakes?|delays?|"
            r"late deliver(?:y|ies)|troubles?|failures?|breakdowns?|surprises?|hiccups?|quality issues?|damage[sd]?|"
            r"damaged goods|fuss|back\s?orders?|missing items|red tape|disputes?|repeats?)")
_POSITIVE_CUES = [
    rf"\b(?:no|zero|nil)\s+(?:\w+\s+)?{_PROBLEM}\b",
    rf"\bnever\s+(?:had\s+|have\s+|has\s+|once\s+had\s+)?(?:any\s+|a\s+|an\s+|one\s+)?(?:single\s+)?(?:\w+\s+)?{_PROBLEM}\b",
    rf"\bnot\s+(?:a|one)\s+(?:single\s+)?(?:\w+\s+)?{_PROBLEM}\b",
    rf"\bnot\s+one\s+(?:\w+\s+)?{_PROBLEM}\b",
    rf"\bwithout\s+(?:any\s+|a\s+)?(?:single\s+)?(?:\w+\s+)?{_PROBLEM}\b",
    r"\bnothing\s+to\s+(?:complain|criticise|criticize|fault)\b",
    r"\b(?:can(?:no|')t|cannot|could\s?n[o']t)\s+complain\b",
    r"\b(?:could|can)(?:\s?n[o']t|not)\s+(?:be|have\s+been)\s+better\b",
    r"\b(?:could|can)(?:\s?n[o']t|not)\s+be\s+happier\b",
    r"\b(?:never|no\s+need)\s+(?:have\s+|had\s+|need\s+|needed\s+)?to\s+(?:chase|remind|wait|call|escalate|ask\s+twice)\b",
    r"\bnever\s+(?:let\s+us\s+down|disappoint(?:s|ed)?|missed?\s+a\s+(?:date|deadline|delivery))\b",
    r"\bnever\s+(?:have|had|need|needed)\s+to\s+(?:dispute|correct|complain|argue|sort|rework)\b",
    r"\bno\s+(?:need|reason)\s+to\s+(?:chase|remind|explain|ask|worry|call|complain|check)\b",
    r"\bno\s+(?:\w+\s+)?(?:chasing|reminders?|discussion|arguing|manual\s+(?:work|entry))\s+(?:needed|necessary|required)\b",
    rf"\b(?:hardly|rarely|seldom)\s+(?:ever\s+)?(?:see|get|have|had|find|found)?\s*(?:a|an|any)?\s*(?:\w+\s+)?{_PROBLEM}\b",
    rf"\b(?:hardly|almost)\s+(?:any|no)\s+(?:\w+\s+)?{_PROBLEM}\b",
    rf"\bfewer\s+(?:\w+\s+)?{_PROBLEM}\b",
    rf"\b{_PROBLEM}\s+(?:are|is|were|was)\s+(?:very\s+|extremely\s+|really\s+)?(?:rare|close\s+to\s+zero|almost\s+zero|near\s+zero|"
    r"down\s+to\s+(?:zero|nothing))\b",
    r"\b(?:can(?:'|no)?t|cannot|could\s?n[o']t|don't|do\s+not)\s+(?:even\s+)?(?:remember|recall)\s+(?:the\s+last|a\s+single|any)\b",
    r"\b(?:nobody|no\s*one)\s+(?:here\s+)?(?:remembers|can\s+remember|recalls)\s+the\s+last\b",
    rf"\b(?:haven't|have\s+not|hasn't|has\s+not)\s+(?:seen|had)\s+(?:a|an|any|the|one)?\s*(?:\w+\s+)?{_PROBLEM}\s+since\b",
    r"\bsolved\s+(?:our|the|my)\s+(?:\w+\s+)?problems?\b",
    r"\b(?:failure|reject|defect|error|claim|return|complaint)\s+rates?\s+(?:is|are|was|were)\s+(?:very\s+|extremely\s+|really\s+)?low\b",
    r"\bnothing\s+(?:broken|missing|damaged)\b",
    r"\bthat's\s+how\s+it\s+should\s+be\b",
    # "Any problems? Not that I know of." (a question about a problem answered with "none that I know of")
    rf"\b{_PROBLEM}\b[^.?!]*\?\s*(?:no[,.]?\s+)?not\s+that\s+I(?:'m|\s+am)?\s+(?:know|aware)\s+of\b",
]
_NEGATIVE_CUES = [
    r"\bstill\s+(?:waiting|no|not|nothing|missing|open|pending|late|broken|wrong|unresolved|the\s+same)\b",
    r"\b(?:had|have|has|having|need|needed|must)\s+to\s+(?:chase|remind|escalate|beg|push|call\s+(?:again|back|\w+\s+times))\b",
    r"\bchas(?:e|ed|ing)\s+(?:you|them|him|her|every|each|all|for|up)\b",
    r"\b(?:late|delayed|wrong|incomplete|missing|damaged|broken|faulty)\s+(?:again|as\s+usual|as\s+always|once\s+more)\b",
    r"\bagain\s+and\s+again\b",
    r"\bnever\s+(?:\w+\s+)?(?:answers?|answered|calls?\s+back|called\s+back|repl(?:y|ies|ied)|respond(?:s|ed)?|picks?\s+up|"
    r"picked\s+up|arrives?|arrived|on\s+time|kept|keeps?|works?|worked|shows?\s+up|showed\s+up|gets?\s+back|got\s+back|"
    r"fixed|solved|improved?|follows?\s+up|followed\s+up|reachable|available|there|informs?|informed|delivers?|delivered)\b",
    r"\b(?:means|meant|mean)\s+nothing\b",
    r"\b(?:meaningless|worthless|useless|unacceptable|unreliable)\b",
    r"\bnothing\s+(?:has\s+|had\s+|have\s+)?(?:improved|changed|happened|happens|works|worked|gets\s+done|got\s+done|moves|moved)\b",
    r"\b(?:no\s*one|nobody|no-one)\s+(?:ever\s+)?(?:answers?|calls?|repl(?:y|ies)|responds?|cares?|knows|takes|picks|gets\s+back|"
    r"follows?\s+up|informs?|informed|told|tells|listens?|feels)\b",
    r"\bnot\s+(?:once|a\s+single|one)\b[^.!?]{0,40}\b(?:on\s+time|complete|correct|right|kept)\b",
    r"\b(?:no|without\s+(?:any\s+|an?\s+)?)(?:answer|reply|response|feedback|call\s?back|apology|explanation|information|solution)\b",
    r"\bno\s+(?:continuity|flexibility|tracking|training|alternatives?|innovation|new\s+products?|improvements?|"
    r"change\s+notifications?|suggestions?|involvement|cash\s+discount|consistency|warning)\b",
    r"\b(?:just|only)\s+a\s+guess\b",
    r"\b(?:on\s+paper\s+only|only\s+on\s+paper)\b",
    r"\bmore\s+of\s+a\s+wish\s+than\b",
    r"(?<!not\s)\b(?:way\s+|far\s+|much\s+)?too\s+(?:long|slow|high|expensive|late|often|many|much|few|thin|complicated)\b",
    r"\bkeep\s+(?:finding|getting|replacing|changing|having|sending\s+back|readjusting)\b",
    r"\b(?!(?:very|really|so|much|more|far)\b)(\w{4,}),\s+\1\b",
    r"\b(?:fallen\s+behind|gone\s+downhill|got(?:ten)?\s+worse|getting\s+worse)\b",
    r"\bnot\s+(?:attractive|acceptable|good\s+enough|convincing|up\s+to\s+date)\b",
    r"\b(?:haven't|hasn't|have\s+not|has\s+not)\s+(?:been\s+)?(?:improved|updated)\b",
    r"\bwaited\s+(?:for\s+)?(?:over\s+|more\s+than\s+)?(?:\S+\s+)?(?:weeks|months)\b",
    # a part that does not last: shorter life, or wear and failure sooner than rated or expected ("lead times are
    # shorter than …" is praise, so only the life of a part counts here)
    r"\b(?:life\s?time|service\s+life|(?:useful|product|tool|part|bearing|seal)\s+life)\s+(?:is|was|are|were)\s+"
    r"(?:much\s+|far\s+|a\s+lot\s+|way\s+|even\s+)?(?:shorter|less)\s+th[ae]n\b",
    r"\b(?:wears?|wearing|wore)\s+out\s+(?:much\s+|far\s+|a\s+lot\s+|way\s+)?(?:faster|sooner|earlier|quicker)\s+th[ae]n\b",
    r"\bfail(?:s|ed|ing)?\s+(?:much\s+|far\s+|a\s+lot\s+|way\s+)?(?:faster|sooner|earlier)\s+th[ae]n\b",
    r"\b(?:days|hours),?\s+not\s+(?:weeks|months|days)\b",
    # "Improvements to the existing products? Not that I know of." (a question about something good answered
    # with "none"; a question about a problem is a positive cue) and "where's the innovation?"
    r"\b(?:improvements?|innovations?|new\s+products?|ideas?|proposals?|suggestions?|training|visits?|updates?|"
    r"feedback|information|support)\b[^.?!]*\?\s*(?:no[,.]?\s+)?not\s+that\s+I(?:'m|\s+am)?\s+(?:know|aware)\s+of\b",
    r"\bwhere(?:'s|\s+is|\s+are)\s+(?:the|your|any)\s+(?:\w+\s+)?(?:new\s+products?|innovations?|improvements?|ideas?)\s*\?",
    # the customer's contacts cannot be reached or are never seen ("not hard to reach" is not a complaint)
    r"(?<!not\s)(?<!never\s)\b(?:hard|difficult|impossible)\s+to\s+(?:reach|contact|get\s+hold\s+of|get\s+through\s+to)\b",
    r"\b(?:never|rarely|seldom|hardly\s+ever)\s+see\s+(?:our|the|your|a|an|any)\s+(?:\w+\s+)?(?:account\s+manager|sales\s+"
    r"(?:rep|representative|people|person|team)|rep|representative|contact\s+person)s?\b",
]
# Middling and factual supplier talk: benchmarks against other suppliers, "which is normal", "about average".
_NEUTRAL_CUES = [
    r"\b(?:as|like)\s+(?:with\s+|for\s+|at\s+)?(?:every|any|all|most|other|the\s+other)\s+(?:other\s+)?"
    r"(?:suppliers?|vendors?|one|body|one's|body's)\b",
    r"\b(?:as|like)\s+(?:everywhere|everyone(?:'s)?|everybody(?:'s)?|anyone(?:'s)?|most\s+suppliers'?)\b",
    r"\b(?:which|that)\s+is\s+(?:the\s+)?(?:normal|usual|standard|acceptable|typical)\b",
    r"\bthat's\s+(?:normal|usual|standard)\b",
    r"\b(?:in|within|through|at|with|by)\s+the\s+usual\b",
    r"\bthe\s+usual\s+(?:way|format|kind|mix|notice|channel|time|level|paperwork|fee|process|procedure|terms|check|"
    r"response|rate|share|crates|pace)\b",
    r"\b(?:in|within)\s+the\s+normal\s+(?:range|band)\b",
    r"\bnormal\s+(?:range|band|pace|notice\s+period)\b",
    r"\b(?:about|roughly|more\s+or\s+less)\s+(?:the\s+same|average|what\s+we\s+(?:expect|expected|plan|get))\b",
    r"\b(?:about|roughly)\s+as\s+\w+\s+as\b",
    r"\bon\s+(?:par|a\s+level)\s+with\b",
    r"\bin\s+line\s+with\s+(?:the\s+)?(?:market|industry|index|competition|\{?competitor|others?|our\s+other)\b",
    r"\bcomparable\s+(?:to|with)\b",
    r"\b(?:no|not)\s+different\s+from\b",
    r"\bmuch\s+the\s+same\b",
    r"\bneither\s+(?:good|better)\s+nor\s+(?:bad|worse)\b",
    r"\bno\s+(?:more|better)(?:,|\s+and)?\s+no\s+(?:less|worse)\b",
    r"\b(?:is|are|was|it's|being)\s+(?:about\s+|roughly\s+)?average\b",
    r"\baverage\s+for\s+(?:this|the|our|a)\b",
    r"\bmarket\s+(?:average|level|norm|standard)\b",
    r"\b(?:in|of)\s+the\s+middle\s+of\s+(?:the|our)\b|\bsomewhere\s+in\s+the\s+middle\b|\bmid-range\b",
    r"\b(?:nothing\s+(?:special|to\s+report)|no\s+\w+|think\s+about\s+it\s+much)\s+either\s+way\b",
    r"\bno\s+strong\s+(?:opinion|feelings?)\b",
    r"\bnothing\s+to\s+report\b",
    r"\bstandard\s+for\s+(?:the|this|our)\s+(?:industry|market|kind)\b",
]
_POS_RE = [re.compile(p, re.IGNORECASE) for p in _POSITIVE_CUES]
_NEG_RE = [re.compile(p, re.IGNORECASE) for p in _NEGATIVE_CUES]
_NEU_RE = [re.compile(p, re.IGNORECASE) for p in _NEUTRAL_CUES]


def rule_polarity(texts: Iterable[object]) -> np.ndarray:
    """Polarity of the B2B cues in each text: −1 (complaint cue), +1 (negated problem), 0 (none or both).

    Negated problems are found first and blanked, so that "we never have to
    chase" is not also read as the complaint "have to chase".

    Parameters
    ----------
    texts
        The remarks; missing values count as empty.

    Returns
    -------
    ndarray of int8
        One of −1, 0, 1 per text.

    Examples
    --------
    >>> rule_polarity(["Still waiting for the credit note.", "No complaints at all.", "We order twice a month."]).tolist()
    [-1, 1, 0]
    """
    out = []
    for t in texts:
        s = t if isinstance(t, str) else ""
        pos = False
        for rx in _POS_RE:
            s, k = rx.subn(" ", s)
            pos = pos or k > 0
        neg = any(rx.search(s) for rx in _NEG_RE)
        out.append(0 if pos == neg else (1 if pos else -1))
    return np.asarray(out, dtype=np.int8)


def rule_neutral(texts: Iterable[object]) -> np.ndarray:
    """Whether each text holds a middling or benchmark cue ("about average", "on par with", "as with every supplier").

    Examples
    --------
    >>> rule_neutral(["Lead times are on par with the market.", "Late again."]).tolist()
    [True, False]
    """
    return np.asarray([any(rx.search(t) for rx in _NEU_RE) if isinstance(t, str) else False for t in texts], dtype=bool)


def _apply_rules(texts: Sequence[object], labels: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    cue = rule_polarity(texts)
    labels = labels.astype(object).copy()
    scores = scores.astype(float).copy()
    mid = (cue == 0) & rule_neutral(texts)
    labels[mid] = "neutral"
    scores[mid] = np.clip(scores[mid], -NEUTRAL_RULE_SCORE, NEUTRAL_RULE_SCORE)
    neg, pos = cue < 0, cue > 0
    labels[neg] = "negative"
    scores[neg] = np.minimum(scores[neg], -RULE_SCORE)
    labels[pos] = "positive"
    scores[pos] = np.maximum(scores[pos], RULE_SCORE)
    return labels, scores
