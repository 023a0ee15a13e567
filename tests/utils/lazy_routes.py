"""URL builders compiled on first use in tests (a `-p` plugin in pyproject's addopts).

Werkzeug compiles two Python functions per URL rule (building the URL with and without unknown arguments) as
soon as the rule is added to an app, through `ast` and `compile`: with the app's several hundred rules that was
most of `create_app`'s time (about 0.1 s), and the suite creates an app for nearly every one of its 2,300 tests,
each of which builds a handful of those URLs. Here each builder is compiled by the same Werkzeug code the first
time the rule builds a URL, and kept; a rule no test uses is never compiled. Matching requests is untouched
(Werkzeug's matcher does not use the builders), and so is every URL the app builds.
"""

from werkzeug.routing.rules import Rule

_compile_builder = Rule._compile_builder


def _lazy_builder(self: Rule, append_unknown: bool = True):
    compiled = None

    def build(rule: Rule, *args, **kwargs):
        nonlocal compiled
        if compiled is None:
            compiled = _compile_builder(rule, append_unknown)
        return compiled(rule, *args, **kwargs)

    return build


Rule._compile_builder = _lazy_builder  # type: ignore[method-assign]
