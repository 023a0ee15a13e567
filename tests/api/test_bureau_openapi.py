"""The OpenAPI document describes every /api/v1/bureau route the app serves."""

import re


def test_every_bureau_route_is_documented(app, client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/bureau"):
            continue
        path = re.sub(r"<int:(\w+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
        choice = re.search(r"<any\(([^)]*)\):\w+>", path)
        variants = (
            [path.replace(choice.group(0), option.strip(" '")) for option in choice.group(1).split(",")]
            if choice
            else [path]
        )
        for variant in variants:
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                if method.lower() not in paths.get(variant, {}):
                    missing.append(f"{method} {variant}")
    assert missing == []
    assert paths["/bureau/assignments/{assignment_id}/score"]["post"]["requestBody"]["content"][
        "application/json"
    ]["schema"] == {"$ref": "#/components/schemas/ScoreIn"}
