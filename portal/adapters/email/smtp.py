"""Real e-mail delivery over SMTP (smtplib), with STARTTLS, implicit TLS or a plain relay.

One connection per message: the portal sends few messages per task and a long-lived
connection would outlive the relay's idle timeout anyway. Failures are translated into
:class:`~portal.adapters.email.base.EmailDeliveryError` (transient, retry) or
:class:`~portal.adapters.email.base.EmailRejected` (permanent):

* no connection, timeout, TLS error, server without STARTTLS, failed login, 4xx reply,
  5xx to MAIL FROM other than 552 (usually a configuration problem the operator can fix
  while the task keeps retrying) → ``EmailDeliveryError``;
* 5xx to RCPT TO or DATA, or 552 (message too big) → ``EmailRejected``.

Error messages carry the SMTP code and the server's reply, never the message body.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from typing import Final

from portal.adapters.email.base import EmailDeliveryError, EmailRejected

SECURITY_MODES: Final = ("starttls", "ssl", "none")
_MAX_REPLY = 200


def _reply(raw: bytes | str) -> str:
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    return " ".join(text.split())[:_MAX_REPLY]


def _permanent(code: int) -> bool:
    return 500 <= code <= 599


class SmtpEmailSender:
    """Sends each message over a fresh SMTP connection."""

    def __init__(
        self,
        host: str,
        port: int,
        security: str = "starttls",
        username: str | None = None,
        password: str | None = None,
        timeout: float = 10.0,
        *,
        ssl_context: ssl.SSLContext | None = None,
        local_hostname: str | None = None,
    ) -> None:
        if security not in SECURITY_MODES:
            raise ValueError(f"security must be one of {', '.join(SECURITY_MODES)}")
        if not host:
            raise ValueError("an SMTP host is required")
        self.host = host
        self.port = port
        self.security = security
        self.username = username
        self.password = password
        self.timeout = timeout
        self._ssl_context = ssl_context
        self._local_hostname = local_hostname

    def __repr__(self) -> str:  # never shows the password
        return f"SmtpEmailSender({self.host!r}, {self.port}, security={self.security!r})"

    def _context(self) -> ssl.SSLContext:
        return self._ssl_context or ssl.create_default_context()

    def _connect(self) -> smtplib.SMTP:
        if self.security == "ssl":
            return smtplib.SMTP_SSL(
                self.host,
                self.port,
                local_hostname=self._local_hostname,
                timeout=self.timeout,
                context=self._context(),
            )
        smtp = smtplib.SMTP(
            self.host, self.port, local_hostname=self._local_hostname, timeout=self.timeout
        )
        if self.security == "starttls":
            try:
                smtp.starttls(context=self._context())
                smtp.ehlo()
            except BaseException:
                _close(smtp)
                raise
        return smtp

    def send(self, message: EmailMessage) -> None:
        try:
            smtp = self._connect()
        except (smtplib.SMTPException, OSError) as exc:
            raise _translate(exc, self) from exc
        try:
            if self.username and self.password:
                smtp.login(self.username, self.password)
            refused = smtp.send_message(message)
        except (smtplib.SMTPException, OSError) as exc:
            raise _translate(exc, self) from exc
        finally:
            _close(smtp)
        if refused:  # some recipients accepted, the others refused: do not send again
            codes = sorted({code for code, _ in refused.values()})
            raise EmailRejected(
                f"{len(refused)} recipient(s) refused (SMTP {codes})", code=codes[0]
            )


def _close(smtp: smtplib.SMTP) -> None:
    """QUIT politely; a failure here must not turn a sent message into a retry."""
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()


def _translate(exc: BaseException, sender: SmtpEmailSender) -> Exception:
    where = f"{sender.host}:{sender.port}"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = sorted({code for code, _ in exc.recipients.values()})
        replies = "; ".join(_reply(reply) for _, reply in exc.recipients.values())
        text = f"recipient refused by {where} (SMTP {codes}): {replies}"
        if codes and all(_permanent(code) for code in codes):
            return EmailRejected(text, code=codes[0])
        return EmailDeliveryError(text)
    if isinstance(exc, smtplib.SMTPDataError):
        text = f"message refused by {where} (SMTP {exc.smtp_code}): {_reply(exc.smtp_error)}"
        if _permanent(exc.smtp_code):
            return EmailRejected(text, code=exc.smtp_code)
        return EmailDeliveryError(text)
    if isinstance(exc, smtplib.SMTPSenderRefused):
        text = f"sender refused by {where} (SMTP {exc.smtp_code}): {_reply(exc.smtp_error)}"
        if exc.smtp_code == 552:  # message size exceeds the server's limit
            return EmailRejected(text, code=exc.smtp_code)
        return EmailDeliveryError(text)
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return EmailDeliveryError(f"login refused by {where} (SMTP {exc.smtp_code})")
    if isinstance(exc, smtplib.SMTPResponseException):
        return EmailDeliveryError(
            f"unexpected reply from {where} (SMTP {exc.smtp_code}): {_reply(exc.smtp_error)}"
        )
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return EmailDeliveryError(f"{where} does not support what we need: {exc}")
    if isinstance(exc, smtplib.SMTPException):
        return EmailDeliveryError(f"SMTP conversation with {where} failed: {exc}")
    return EmailDeliveryError(f"cannot reach {where}: {type(exc).__name__}: {exc}")
