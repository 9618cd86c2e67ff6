"""Issue 11, "done means": company A's API key, across every ``/api/v1`` GET (asked for A's
rows, B's rows and every list page), never returns anything of company B, although both
companies share the debtor (``tests.tenant_helpers.shared_person``)."""

from __future__ import annotations

import re

from flask import Flask

from portal.extensions import db
from portal.models import WebhookEndpoint
from tests.api.conftest import Company, company_for
from tests.tenant_helpers import Scene, leaks, shared_person

ROUTE_PARAM = re.compile(r"<(?:[a-z]+:)?([a-z_]+)>")
LISTS = ("/api/v1/items", "/api/v1/agreements", "/api/v1/payments")


def _endpoint(creditor_id: int, url: str) -> WebhookEndpoint:
    row = WebhookEndpoint(
        creditor_id=creditor_id,
        url=url,
        description="ganchos",
        secret="whsec_dGVzdA==",
        event_types=[],
    )
    db.session.add(row)
    db.session.commit()
    return row


def _values(scene: Scene, endpoint: WebhookEndpoint, side: str) -> dict[str, object]:
    chosen = scene.b if side == "b" else scene.a
    return {
        "debtor_id": scene.debtor.id,
        "reference": chosen.items[0].external_reference,
        "agreement_id": chosen.agreement.id,
        "payment_id": chosen.paid.id,
        "endpoint_id": endpoint.id,
    }


def _api_gets(app: Flask) -> list[str]:
    return sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.") and "GET" in (rule.methods or ())
    )


def _read_everything(
    app: Flask, company: Company, values: list[dict[str, object]]
) -> dict[str, str]:
    """Every API GET route with each set of values, and every page of every list."""
    pages: dict[str, str] = {}
    for rule in _api_gets(app):
        for chosen in values:
            path = ROUTE_PARAM.sub(lambda m, v=chosen: str(v[m.group(1)]), rule)
            response = company.get(path)
            pages[path] = f"{response.status_code}\n{response.get_data(as_text=True)}"
    for base in LISTS:
        for query in ("limit=1", "limit=200", "status=open", "status=in_agreement"):
            cursor: str | None = None
            for page in range(50):
                path = f"{base}?{query}" + (f"&cursor={cursor}" if cursor else "")
                response = company.get(path)
                pages[path] = response.get_data(as_text=True)
                cursor = response.json.get("next_cursor") if response.is_json else None
                if not cursor:
                    break
                assert page < 49, "runaway pagination"
    return pages


def _cents_leaks(pages: dict[str, str], scene: Scene) -> list[tuple[str, int]]:
    """B's amounts as JSON integers (not a run of digits inside a time or an id)."""
    b = scene.b
    amounts = {
        *(item.original_amount_cents for item in b.items),
        b.agreement.total_cents,
        *(i.amount_cents for i in b.agreement.installments),
    }
    found = []
    for path, text in pages.items():
        for cents in amounts:
            if re.search(rf"(?<![\d.]){cents}(?!\d)", text):
                found.append((path, cents))
    return found


def test_company_as_key_reads_nothing_of_company_b(app: Flask) -> None:
    scene = shared_person(app)
    a = company_for(app, scene.a.creditor)
    b_hook = _endpoint(scene.b.creditor.id, "https://ganchos.beta.example/portal")
    a_hook = _endpoint(scene.a.creditor.id, "https://ganchos.alfa.example/portal")
    pages = _read_everything(app, a, [_values(scene, b_hook, "b"), _values(scene, a_hook, "a")])

    assert len(_api_gets(app)) >= 10  # every GET route of the blueprint was read above
    # A's own data is there (the reads are real)…
    everything = "\n".join(pages.values())
    assert scene.a.items[0].external_reference in everything
    assert scene.a.person_name in everything and "ganchos.alfa.example" in everything
    # …and nothing of B: no reference, name, e-mail, webhook, nor amount.
    secrets = [*scene.b_secrets, "ganchos.beta.example"]
    assert leaks(pages, secrets) == []
    assert _cents_leaks(pages, scene) == []
    for rule in _api_gets(app):
        if "<" in rule and "debtor_id" not in rule:
            path = ROUTE_PARAM.sub(lambda m: str(_values(scene, b_hook, "b")[m.group(1)]), rule)
            assert pages[path].startswith("404"), path


def test_the_same_reads_with_bs_key_find_bs_data(app: Flask) -> None:
    """Not vacuous: B's key reading the same routes finds B's references and amounts."""
    scene = shared_person(app)
    b = company_for(app, scene.b.creditor)
    hook = _endpoint(scene.b.creditor.id, "https://ganchos.beta.example/portal")
    pages = _read_everything(app, b, [_values(scene, hook, "b")])
    found = {secret for _path, secret in leaks(pages, scene.b_secrets)}
    assert scene.b.items[0].external_reference in found and scene.b.person_name in found
    assert _cents_leaks(pages, scene)
