"""Every test builds its own app; what each app compiles from the same source is compiled once per run.

Two costs dominated a test's setup, each paid again by every app although its input never changes within a run:
- Jinja compiles every template a test renders, per app: a run-wide bytecode cache (Jinja's own interface) keeps
  the compiled code, keyed by the template's name and checked against its source.
- Werkzeug compiles two URL-builder functions for each of the app's two hundred rules, per app. The function
  depends only on the rule's parsed form, its defaults and converters (the rule itself is passed in when it
  runs), so the same rule text yields the same function: it is kept by that key.
A test's app is otherwise built exactly as before; production is untouched.
"""

import inspect

import flask
import jinja2
from werkzeug.routing import rules


class _RunBytecodeCache(jinja2.BytecodeCache):
    """Compiled templates kept in memory for the whole run (Jinja checks each against its source)."""

    def __init__(self) -> None:
        self._store: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        data = self._store.get(bucket.key)
        if data is not None:
            bucket.bytecode_from_string(data)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._store[bucket.key] = bucket.bytecode_to_string()


flask.Flask.jinja_options = {**flask.Flask.jinja_options, "bytecode_cache": _RunBytecodeCache()}

_compile_builder = rules.Rule._compile_builder
# The cache below relies on the builder being a function of these; a werkzeug that changes them fails here.
assert list(inspect.signature(_compile_builder).parameters) == ["self", "append_unknown"]
_builders: dict[tuple, object] = {}


def _cached_compile_builder(self, append_unknown=True):
    key = (
        self.map.host_matching,
        tuple(self._trace),
        tuple((name, type(converter)) for name, converter in self._converters.items()),
        repr(sorted((self.defaults or {}).items())),
        append_unknown,
    )
    builder = _builders.get(key)
    if builder is None:
        builder = _builders[key] = _compile_builder(self, append_unknown)
    return builder


rules.Rule._compile_builder = _cached_compile_builder
