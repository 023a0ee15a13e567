"""Use cases: the only place views reach the database, the matcher and the search backends."""
