"""Django's PostgreSQL backend with a health check that costs no round trip and a cursor
that prepares the statements a hot path repeats (see `base`)."""
