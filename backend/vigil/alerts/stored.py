"""Channel settings an administrator keeps in the database (SMTP, Twilio, MQTT, the webhook secret), and how
they combine with the environment: a setting the environment (or the server's configuration) sets wins,
field by field; a stored one fills the rest. Pure: values in, a `Settings` copy out.

Secrets are write-only: they are stored, used and redacted, never returned (`set: true/false` instead).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import quote, urlsplit, urlunsplit

from pydantic import SecretStr

from vigil.alerts.channels.mqtt import MqttConfig
from vigil.alerts.model import E164, EMAIL, MQTT_PREFIX
from vigil.security.outbound import OutboundPolicy, OutboundRefusedError
from vigil.security.urls import control_character_problem, network_url_problem
from vigil.settings import Settings

HOST = re.compile(r"^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9\-.]*[A-Za-z0-9])?$|^\[?[0-9A-Fa-f:.]+\]?$")
TWILIO_SID = re.compile(r"^AC[0-9a-fA-F]{32}$")
TWILIO_SERVICE = re.compile(r"^MG[0-9a-fA-F]{32}$")

Source = Literal["environment", "dashboard", "default"]


@dataclass(frozen=True, slots=True)
class StoredField:
    name: str
    env: str  # the variable that wins over the stored value
    secret: bool = False
    max_chars: int = 256


FIELDS: tuple[StoredField, ...] = (
    StoredField("smtp_host", "VIGIL_SMTP_HOST", max_chars=253),
    StoredField("smtp_port", "VIGIL_SMTP_PORT"),
    StoredField("smtp_security", "VIGIL_SMTP_SECURITY"),
    StoredField("smtp_username", "VIGIL_SMTP_USERNAME"),
    StoredField("smtp_password", "VIGIL_SMTP_PASSWORD", secret=True, max_chars=512),
    StoredField("smtp_sender", "VIGIL_SMTP_SENDER", max_chars=254),
    StoredField("twilio_account_sid", "VIGIL_TWILIO_ACCOUNT_SID", max_chars=34),
    StoredField("twilio_auth_token", "VIGIL_TWILIO_AUTH_TOKEN", secret=True, max_chars=128),
    StoredField("twilio_from", "VIGIL_TWILIO_FROM", max_chars=34),
    StoredField("mqtt_url", "VIGIL_MQTT_URL", max_chars=512),
    StoredField("mqtt_username", "VIGIL_MQTT_URL"),
    StoredField("mqtt_password", "VIGIL_MQTT_URL", secret=True, max_chars=512),
    StoredField("mqtt_topic_prefix", "VIGIL_MQTT_TOPIC_PREFIX", max_chars=128),
    StoredField("webhook_secret", "VIGIL_WEBHOOK_SECRET", secret=True),
)
BY_NAME = {f.name: f for f in FIELDS}
# the MQTT login lives in VIGIL_MQTT_URL: the environment's URL decides all three
MQTT_LOGIN = ("mqtt_username", "mqtt_password")


class SettingError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def from_environment(settings: Settings, name: str) -> bool:
    """Whether the environment (or the server's own configuration) sets this field: then it wins."""
    return (BY_NAME[name].env.removeprefix("VIGIL_").lower()) in settings.model_fields_set


def _host(name: str, value: str, policy: OutboundPolicy) -> str:
    if not HOST.match(value):
        raise SettingError(name, "a host name or an IP address (letters, digits, '.', '-', ':')")
    try:  # metadata, link-local, 0.0.0.0 and this server's own port are refused; mail relays may be local
        policy.check_literal(value, None)
    except OutboundRefusedError as error:
        raise SettingError(name, str(error)) from None
    return value


def check_value(name: str, value: Any, policy: OutboundPolicy) -> Any:
    """One submitted value, checked; "" clears it. Raises `SettingError` naming the field."""
    spec = BY_NAME[name]
    if name == "smtp_port":
        if value in ("", None):
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 65535:
            raise SettingError(name, "a TCP port from 1 to 65535")
        return value
    if not isinstance(value, str):
        raise SettingError(name, "a text value")
    if len(value) > spec.max_chars:
        raise SettingError(name, f"at most {spec.max_chars} characters")
    problem = control_character_problem(value)
    if problem is not None:
        raise SettingError(name, problem)
    value = value if spec.secret else value.strip()
    if value == "":
        return ""
    if name == "smtp_host":
        return _host(name, value, policy)
    if name == "smtp_security" and value not in ("starttls", "ssl", "none"):
        raise SettingError(name, "one of starttls, ssl, none")
    if name == "smtp_sender" and not EMAIL.match(value):
        raise SettingError(name, "an e-mail address like vigil@example.org")
    if name == "twilio_account_sid" and not TWILIO_SID.match(value):
        raise SettingError(name, "a Twilio account SID: AC and 32 hexadecimal digits")
    if name == "twilio_from" and not (E164.match(value) or TWILIO_SERVICE.match(value)):
        raise SettingError(name, "an E.164 number like +15551234567 or a Messaging Service SID (MG…)")
    if name == "mqtt_url":
        problem = network_url_problem(value)
        if problem is not None:
            raise SettingError(name, f"the URL {problem}")
        parts = urlsplit(value)
        if parts.username or parts.password:
            raise SettingError(
                name, "put the login in the MQTT user name and password fields, not in the URL"
            )
        try:
            config = MqttConfig.from_url(value)
            _ = parts.port
        except ValueError as error:
            raise SettingError(name, str(error)) from None
        _host(name, config.host, policy)
    if name == "mqtt_topic_prefix" and not MQTT_PREFIX.match(value):
        raise SettingError(name, "letters, digits, _ and -, levels separated by / (like home/vigil)")
    if name == "webhook_secret" and len(value) < 16:
        raise SettingError(name, "at least 16 characters (a random string)")
    return value


def check_changes(changes: Mapping[str, Any], settings: Settings, policy: OutboundPolicy) -> dict[str, Any]:
    """Submitted changes → values to store (None: forget the stored value). A field the environment sets
    cannot be changed here; an unknown field is refused."""
    checked: dict[str, Any] = {}
    for name, value in changes.items():
        if name not in BY_NAME:
            raise SettingError(name, "not a channel setting")
        if from_environment(settings, name):
            raise SettingError(name, f"set by the environment ({BY_NAME[name].env}): change it there")
        value = check_value(name, value, policy)
        checked[name] = None if value == "" else value
    return checked


def merged(settings: Settings, stored: Mapping[str, Any]) -> Settings:
    """The settings the channels use: the environment's, with stored values where it sets nothing."""
    update: dict[str, Any] = {}
    for spec in FIELDS:
        value = stored.get(spec.name)
        if value is None or spec.name in MQTT_LOGIN or from_environment(settings, spec.name):
            continue
        update[spec.name] = SecretStr(value) if spec.secret else value
    if "mqtt_url" in update:
        update["mqtt_url"] = _with_login(update["mqtt_url"], stored)
    return settings.model_copy(update=update)


def _with_login(url: str, stored: Mapping[str, Any]) -> str:
    user, password = stored.get("mqtt_username") or "", stored.get("mqtt_password") or ""
    if not user:
        return url
    parts = urlsplit(url)
    login = quote(user, safe="") + (":" + quote(password, safe="") if password else "")
    return urlunsplit(parts._replace(netloc=f"{login}@{parts.netloc}"))


@dataclass(frozen=True, slots=True)
class FieldView:
    """One field as an administrator sees it: the value (never a secret's), whether it is set, and where
    the value in use comes from."""

    name: str
    env: str
    secret: bool
    value: str | int | None
    set: bool
    source: Source


def view(settings: Settings, stored: Mapping[str, Any]) -> list[FieldView]:
    effective = merged(settings, stored)
    views = []
    for spec in FIELDS:
        if from_environment(settings, spec.name):
            source: Source = "environment"
        elif stored.get(spec.name) is not None:
            source = "dashboard"
        else:
            source = "default"
        if spec.name in MQTT_LOGIN:
            value: Any = stored.get(spec.name) if source == "dashboard" else None
            is_set = (
                bool(value)
                if source != "environment"
                else bool(effective.mqtt_url and "@" in effective.mqtt_url)
            )
        elif spec.name == "mqtt_url" and source == "environment":
            # the environment's URL may carry a password: show it without the login
            parts = urlsplit(effective.mqtt_url)
            value = urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2])) if parts.netloc else ""
            is_set = bool(value)
        else:
            value = getattr(effective, spec.name)
            if isinstance(value, SecretStr):
                value = value.get_secret_value()
            is_set = value not in ("", None)
        views.append(
            FieldView(spec.name, spec.env, spec.secret, None if spec.secret else value, bool(is_set), source)
        )
    return views


def secrets_of(settings: Settings, stored: Mapping[str, Any]) -> tuple[str, ...]:
    """Every secret in use (to redact from errors)."""
    return tuple(str(stored.get(f.name) or "") for f in FIELDS if f.secret)
