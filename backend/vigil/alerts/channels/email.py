"""E-mail over SMTP (aiosmtplib): STARTTLS, implicit TLS or plain; the snapshot attached; a link."""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from html import escape
from pathlib import Path
from typing import Literal

import aiosmtplib

from vigil.alerts.channels import ChannelNotConfiguredError, DeliveryError
from vigil.alerts.model import AlertMessage, AlertRoute
from vigil.domain import ChannelKind

SmtpSecurity = Literal["starttls", "ssl", "none"]


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    host: str
    port: int = 587
    security: SmtpSecurity = "starttls"  # ssl: implicit TLS (usually port 465)
    username: str = ""
    password: str = field(default="", repr=False)
    sender: str = "vigil@localhost"
    timeout_s: float = 20.0
    ca_file: Path | None = None  # a private CA or a self-signed server certificate to trust


def build_email(
    message: AlertMessage, sender: str, recipients: list[str], delivery_id: str = ""
) -> EmailMessage:
    """`delivery_id` makes the Message-ID, so a retry that repeats a delivered mail is one mail to clients."""
    mail = EmailMessage()
    mail["Subject"] = f"[Vigil] {message.headline}"
    mail["From"] = sender
    mail["To"] = ", ".join(recipients)
    mail["Date"] = formatdate(message.occurred_at.timestamp(), localtime=False)
    mail["Message-ID"] = f"<{delivery_id}@vigil>" if delivery_id else make_msgid(domain="vigil")
    when = message.occurred_at.strftime("%Y-%m-%d %H:%M:%S %Z")
    lines = [
        message.headline,
        "",
        f"Camera:     {message.camera_name}",
        f"Incident:   {message.label} (#{message.incident_id}), severity {message.severity.value}",
        f"Confidence: {message.confidence:.2f}",
        f"When:       {when}",
        f"Why:        {message.summary}",
        "",
        f"Open the incident: {message.incident_url}",
    ]
    mail.set_content("\n".join(lines) + "\n")
    url = escape(message.incident_url, quote=True)
    rows = "".join(
        f"<tr><th align='left'>{escape(k)}</th><td>{escape(v)}</td></tr>"
        for k, v in (
            ("Camera", message.camera_name),
            ("Incident", f"{message.label} (#{message.incident_id}), severity {message.severity.value}"),
            ("Confidence", f"{message.confidence:.2f}"),
            ("When", when),
            ("Why", message.summary),
        )
    )
    mail.add_alternative(
        f"<html><body><h2>{escape(message.headline)}</h2><table>{rows}</table>"
        f'<p><a href="{url}">Open the incident</a></p></body></html>',
        subtype="html",
    )
    if message.snapshot_jpeg is not None:
        mail.add_attachment(
            message.snapshot_jpeg,
            maintype="image",
            subtype="jpeg",
            filename=f"incident-{message.incident_id}-{message.camera_slug}.jpg",
        )
    return mail


class EmailChannel:
    kind = ChannelKind.EMAIL

    def __init__(self, config: SmtpConfig | None) -> None:
        self._config = config
        # once: loading the CA bundle takes ~20 ms of CPU, which aiosmtplib would spend per message
        self._tls = ssl.create_default_context(cafile=config.ca_file if config else None)

    async def send(self, message: AlertMessage, route: AlertRoute, delivery_id: str) -> str:
        config = self._config
        if config is None or not config.host:
            raise ChannelNotConfiguredError("e-mail is not configured (VIGIL_SMTP_HOST)")
        recipients = [a.strip() for a in route.target.split(",") if a.strip()]
        mail = build_email(message, config.sender, recipients, delivery_id)
        where = f"SMTP {config.host}:{config.port}"
        try:
            _, reply = await aiosmtplib.send(
                mail,
                hostname=config.host,
                port=config.port,
                username=config.username or None,
                password=config.password or None,
                use_tls=config.security == "ssl",
                start_tls=config.security == "starttls",
                tls_context=self._tls,
                timeout=config.timeout_s,
            )
        except aiosmtplib.SMTPAuthenticationError as error:
            raise DeliveryError(f"{where}: login refused ({error.code})", retryable=False) from error
        except aiosmtplib.SMTPRecipientsRefused as error:
            raise DeliveryError(f"{where}: recipients refused: {error}", retryable=False) from error
        except aiosmtplib.SMTPResponseException as error:
            # 4xx is "try again later"; 5xx is a refusal that a retry would only repeat
            raise DeliveryError(
                f"{where}: {error.code} {error.message}", retryable=400 <= error.code < 500
            ) from error
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
            raise DeliveryError(f"{where}: {type(error).__name__}: {error}") from error
        return reply.strip()
