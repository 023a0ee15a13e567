"""Every template compiles (a filter or macro that is gone fails here, not on the one page that uses it), and
every enumeration a template labels names a table that exists."""

import re

from app.web.templating import LABEL_TABLES


def test_every_template_compiles(app):
    names = app.jinja_env.list_templates(extensions=["html"])
    assert len(names) > 50
    for name in names:
        app.jinja_env.get_template(name)


def test_every_label_a_template_asks_for_names_a_known_table(app):
    asked = set()
    for name in app.jinja_env.list_templates(extensions=["html"]):
        source = app.jinja_env.loader.get_source(app.jinja_env, name)[0]
        asked |= set(re.findall(r"\|\s*label\('([a-z_]+)'\)", source))
        asked |= set(re.findall(r"\blabels\.([a-z_]+)\b", source))
    assert asked, "the templates label nothing: the pattern above no longer matches them"
    assert sorted(asked - LABEL_TABLES.keys()) == []


def test_a_label_is_in_the_users_language(app, client):
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        rendered = app.jinja_env.from_string("{{ 'signed'|label('contract_status') }}").render()
    assert rendered and rendered != "signed"
