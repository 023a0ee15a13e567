"""`make load`: the marketplace at 100k listings on PostgreSQL, in production mode, under a realistic load.

`python -m app.ops.load` prepares a cached database (`stack.prepare`), starts gunicorn and a separate
`flask index worker` (`stack.Stack`), drives them with Locust from a second process (`locustfile.py`), measures
how soon a listing posted during the run is found (`freshness.py`), and prints one row per endpoint and a last
JSON line (`report.py`). Everything it starts is stopped at the end; the database and indexes stay cached.
"""
