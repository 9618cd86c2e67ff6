"""A minimal scripted browser: follows a reminder link, passes the identity check, submits
forms as they are on the page (CSRF token included) and keeps the cookies.

The servers run in production mode, so the session cookie is ``__Host-session`` with the
Secure flag; over loopback http a cookie jar would refuse to send it back, so cookies are
kept here by hand (this is a test client, not a browser).
"""

from __future__ import annotations

from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
from bs4 import BeautifulSoup


class Browser:
    def __init__(self, base: str) -> None:
        self.base = base.rstrip("/")
        self.cookies: dict[str, str] = {}
        self.http = requests.Session()

    @property
    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def _keep(self, response: requests.Response) -> None:
        for raw in response.raw.headers.getlist("Set-Cookie"):
            jar: SimpleCookie = SimpleCookie()
            jar.load(raw)
            for name, morsel in jar.items():
                if morsel["max-age"] == "0" or morsel.value == "":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        url = path if path.startswith("http") else self.base + path
        headers = {"Cookie": self.cookie_header, **kwargs.pop("headers", {})}
        response = self.http.request(
            method, url, headers=headers, allow_redirects=False, timeout=30, **kwargs
        )
        self._keep(response)
        return response

    def get(self, path: str) -> requests.Response:
        response = self.request("GET", path)
        while response.status_code in (301, 302, 303):
            response = self.request("GET", urljoin(response.url, response.headers["Location"]))
        return response

    def form(
        self, path: str, action: str | None = None, **values: str
    ) -> tuple[str, list[tuple[str, str]]]:
        """GET ``path`` and fill one of its forms: where to post it and what.

        The form is the one whose action contains ``action`` if given; else the one holding
        a field named in ``values``, or posting back to the page itself (not the header's
        logout or language forms). Its own fields are kept, ``values`` override them.
        """
        page = self.get(path)
        page.raise_for_status()
        soup = BeautifulSoup(page.text, "html.parser")
        forms = [
            f
            for f in soup.find_all("form")
            if (f.get("method") or "").lower() == "post" and "lang-switch" not in f.get("class", [])
        ]
        here = urlsplit(page.url).path
        if action is not None:
            wanted = [f for f in forms if action in (f.get("action") or "")]
        else:
            wanted = [
                f
                for f in forms
                if any(f.find(attrs={"name": name}) for name in values)
                or urlsplit(urljoin(page.url, f.get("action") or page.url)).path == here
            ]
        form = (wanted or forms)[0]
        data: list[tuple[str, str]] = []
        for field in form.find_all(["input", "select", "textarea"]):
            name = field.get("name")
            if not name or name in values:
                continue
            kind = (field.get("type") or "text").lower()
            if kind in ("checkbox", "radio") and not field.has_attr("checked"):
                continue
            if kind == "submit":
                continue
            if field.name == "select":
                chosen = field.find("option", selected=True) or field.find("option")
                data.append((name, chosen.get("value", "") if chosen else ""))
            else:
                data.append((name, field.get("value", "")))
        data.extend(values.items())
        return urljoin(page.url, form.get("action") or page.url), data

    def submit(self, path: str, action: str | None = None, **values: str) -> requests.Response:
        """GET ``path``, fill its form (see :meth:`form`) and POST it."""
        target, data = self.form(path, action, **values)
        return self.request("POST", target, data=data)

    def sign_in_with_link(self, link_path: str, digits: str) -> None:
        """Open a reminder link and answer the identity check with the CPF's first digits."""
        response = self.submit(link_path, digits=digits)
        if response.status_code != 303 or "__Host-session" not in self.cookies:
            raise RuntimeError(f"sign-in through the link failed ({response.status_code})")
