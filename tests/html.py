"""Every HTML page a test fetches is parsed and checked for the basics."""

from __future__ import annotations

from collections import Counter

from bs4 import BeautifulSoup
from werkzeug.test import TestResponse


def parse_page(response: TestResponse, *, lang: str = "pt-BR") -> BeautifulSoup:
    """Parse an HTML response and assert what every page must have.

    A ``<html lang>``, a non-empty title, one ``<h1>``, no duplicate ids, a CSRF token in
    every POST form, a nonce on every script and style, and the identity footer.
    """
    assert response.mimetype == "text/html", response.mimetype
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert soup.html is not None and soup.html.get("lang") == lang
    assert soup.title is not None and soup.title.get_text(strip=True)
    assert len(soup.find_all("h1")) == 1, "a page has exactly one h1"
    ids = Counter(tag["id"] for tag in soup.find_all(id=True))
    duplicates = [i for i, n in ids.items() if n > 1]
    assert not duplicates, f"duplicate ids: {duplicates}"
    for form in soup.find_all("form"):
        if (form.get("method") or "get").lower() == "post":
            assert form.find("input", attrs={"name": "csrf_token"}), "POST form without CSRF"
    for tag in soup.find_all(["script", "style"]):
        if tag.name == "script" and tag.get("src"):
            continue
        assert tag.get("nonce"), f"inline <{tag.name}> without a nonce"
    footer = soup.find("footer")
    assert footer is not None and footer.find(class_="identity"), "identity footer missing"
    return soup


def csrf_token(soup: BeautifulSoup) -> str:
    field = soup.find("input", attrs={"name": "csrf_token"})
    assert field is not None
    return str(field["value"])
