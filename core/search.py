"""Chinese-aware search on Wagtail's database backend.

Both SQLite's FTS5 tokenizer and PostgreSQL's parser index a run of Han characters as one word,
so "物业" cannot find "红色物业服务中心". As Lucene's CJK analyser does, every run of Han
characters is cut into overlapping bigrams ("红色 色物 物业 业服 …") at index time, in a search
field of its own, and the query is cut the same way and all its bigrams are required. Latin words
go through the backend's normal analysis. The title's bigrams are indexed with the title as well,
so that a match in the title ranks first (core.search_backend).
"""

import re

from django.utils.html import escape, strip_tags
from django.utils.safestring import mark_safe
from wagtail.search import index

HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
WORD = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[A-Za-z0-9]+")
MAX_QUERY_LENGTH = 100


def han_bigrams(text: str) -> list[str]:
    grams = []
    for run in HAN_RUN.findall(text or ""):
        if len(run) == 1:
            grams.append(run)
        else:
            grams.extend(run[i : i + 2] for i in range(len(run) - 1))
    return grams


def bigram_text(*texts: str) -> str:
    """The text to index in a page's bigram field: unique bigrams, and the single characters
    (so a one-character query such as a surname finds something), space-separated."""
    grams = {}
    for text in texts:
        plain = strip_tags(text or "")
        grams.update(dict.fromkeys(han_bigrams(plain)))
        grams.update(dict.fromkeys("".join(HAN_RUN.findall(plain))))
    return " ".join(grams)


class TitleBigramsField(index.SearchField):
    """The page's title as bigrams, indexed as part of its title.

    Wagtail's database backends index the search fields named "title" apart from the others,
    to rank a match there first (core.search_backend); but the title as typed is one long
    word to them, which a query's bigrams never match. This field is named "title" too and
    gives them the title's bigrams (Wagtail tells search fields apart by class and name, so it
    does not replace the title's own field).
    """

    def get_value(self, obj):
        return bigram_text(obj.title)


def query_terms(query: str) -> list[str]:
    """The words a user asked for: Han runs and Latin words, in order."""
    return WORD.findall((query or "")[:MAX_QUERY_LENGTH])


def segment_query(query: str) -> str:
    """The query as the index sees it: Han runs as bigrams, Latin words as they are."""
    parts = []
    for term in query_terms(query):
        parts.extend(han_bigrams(term) if HAN_RUN.fullmatch(term) else [term.lower()])
    return " ".join(dict.fromkeys(parts))


def highlight(text: str, query: str, width: int = 90) -> str:
    """A snippet of text around the first term of the query, with the terms marked."""
    plain = " ".join(strip_tags(text or "").split())
    terms = sorted(set(query_terms(query)), key=len, reverse=True)
    lowered = plain.lower()
    hits = [lowered.find(term.lower()) for term in terms if term.lower() in lowered]
    start = max(0, min(hits) - width // 3) if hits else 0
    snippet = plain[start : start + width]
    if terms:
        pattern = re.compile("|".join(re.escape(term) for term in terms), flags=re.I)
        parts, last = [], 0
        for match in pattern.finditer(snippet):
            parts.append(escape(snippet[last : match.start()]))
            parts.append(f"<mark>{escape(match.group(0))}</mark>")
            last = match.end()
        parts.append(escape(snippet[last:]))
        html = "".join(parts)
    else:
        html = escape(snippet)
    prefix = "…" if start else ""
    suffix = "…" if start + width < len(plain) else ""
    return mark_safe(f"{prefix}{html}{suffix}")
