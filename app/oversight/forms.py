"""Reading the oversight's HTML forms into the dicts the services validate; every rule stays in the services."""

from flask import request

from app.platform.validation import parse_id

FOUNDER_ROWS = 8
EXPERT_ROWS = 3
DOCUMENT_ROWS = 4


def form_data() -> dict:
    """The submitted fields, trimmed, without the CSRF token; a blank field counts as not given, so an optional
    one takes its default and a required one is reported as missing."""
    fields = {
        key: value.strip() for key, value in request.form.items() if key not in ("csrf_token", "form_id")
    }
    return {key: value for key, value in fields.items() if value}


def expert_ids() -> list:
    """Ticked experts; anything that is not an id goes to the service as it came, which names the field."""
    return [parse_id(v) or v for v in request.form.getlist("expert_ids")]


def _rows(prefix: str, names: tuple[str, ...], count: int) -> list[dict]:
    """Repeated rows of a form (founder_name_0, founder_code_0, ...); blank rows are left out."""
    rows = []
    for i in range(count):
        row = {name: request.form.get(f"{prefix}_{name}_{i}", "").strip() for name in names}
        if any(row.values()):
            rows.append(row)
    return rows


def application_data() -> dict:
    data = form_data()
    return {
        "center_name": data.get("center_name", ""),
        "plan": data.get("plan", ""),
        "founders": _rows("founder", ("name", "credit_code"), FOUNDER_ROWS),
        "experts": _rows("expert", ("name", "affiliation", "specialty"), EXPERT_ROWS),
    }


def document_uploads() -> list[tuple[dict, object]]:
    """The apply form's document rows as (title, file) pairs; a title without a file is kept, so the service
    can ask for the file."""
    uploads = []
    for i in range(DOCUMENT_ROWS):
        title = request.form.get(f"document_title_{i}", "").strip()
        upload = request.files.get(f"document_file_{i}")
        if upload is not None and not upload.filename:
            upload = None
        if title or upload is not None:
            uploads.append(({"title": title}, upload))
    return uploads


def score_data() -> dict:
    data = form_data()
    scores = {key.removeprefix("score_"): value for key, value in data.items() if key.startswith("score_")}
    return {"scores": scores, "opinion": data.get("opinion", "")}
