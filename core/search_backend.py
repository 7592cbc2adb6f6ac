"""The site's search backend: Wagtail's database backend, with title matches ranked first on SQLite.

Both database backends index the search fields named "title" (the page title, and its bigrams:
core.search.TitleBigramsField) apart from the others. PostgreSQL ranks that title vector
apart from the body, with the title's boost as its weight, so a title match ranks first there
as it is. SQLite's backend does not: it ranks every match with FTS5's bm25 over the whole row,
where a word counts the same in any column and boosts are ignored. Here, on SQLite, pages whose
title holds the whole query come first, each group in the backend's own order.
"""

from django.db import connection
from modelsearch.backends import database
from modelsearch.backends.database.sqlite.utils import fts5_available


def SearchBackend(params):  # noqa: N802 (the name Wagtail looks for in a backend module)
    # The backend module's own factory decides (once) whether SQLite has FTS5 and its table.
    backend = database.SearchBackend(params)
    if connection.vendor == "sqlite" and database.USE_SQLITE_FTS:
        return TitleFirstSQLiteSearchBackend(params)
    return backend


# The SQLite backend's module imports its FTS model, which exists only here (modelsearch.models).
if connection.vendor == "sqlite" and fts5_available():
    from django.db.models import Case, Value, When
    from django.db.models.functions import Abs
    from modelsearch.backends.database.sqlite.query import MatchExpression, normalize
    from modelsearch.backends.database.sqlite.sqlite import (
        SQLiteFTSIndexEntry,
        SQLiteSearchBackend,
        SQLiteSearchQueryCompiler,
    )
    from modelsearch.query import MatchAll, Not

    class TitleFirstSQLiteSearchQueryCompiler(SQLiteSearchQueryCompiler):
        def _build_rank_expression(self, vectors, config):
            rank = super()._build_rank_expression(vectors, config)
            query = normalize(self.query)
            if isinstance(query, (Not, MatchAll)):
                return rank
            title_matches = SQLiteFTSIndexEntry.objects.filter(
                MatchExpression(["title"], self.build_search_query(query, config=config))
            ).values("index_entry_id")
            # Results sort by rank ascending, bm25 being negative. x / (1 + |x|) keeps the
            # order of any rank within (-1, 1), so taking 2 off puts every title match first.
            in_title = Case(
                When(index_entry_id__in=title_matches, then=Value(2.0)), default=Value(0.0)
            )
            return rank / (1 + Abs(rank)) - in_title

    class TitleFirstSQLiteSearchBackend(SQLiteSearchBackend):
        query_compiler_class = TitleFirstSQLiteSearchQueryCompiler
