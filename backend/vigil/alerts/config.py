"""Settings → channel configurations, retry policy and the secrets to redact (read once, passed down)."""

from __future__ import annotations

from vigil.alerts.channels import Channel
from vigil.alerts.channels.email import EmailChannel, SmtpConfig
from vigil.alerts.channels.mqtt import MqttChannel, MqttConfig
from vigil.alerts.channels.sms import SmsChannel, TwilioConfig
from vigil.alerts.channels.webhook import WebhookChannel, WebhookConfig
from vigil.alerts.channels.webpush import WebPushChannel, WebPushConfig
from vigil.alerts.delivery import Redactor, RetryPolicy
from vigil.domain import ChannelKind
from vigil.settings import Settings


def smtp_config(settings: Settings) -> SmtpConfig | None:
    if not settings.smtp_host:
        return None
    return SmtpConfig(
        host=settings.smtp_host,
        port=settings.smtp_port,
        security=settings.smtp_security,
        username=settings.smtp_username,
        password=settings.smtp_password.get_secret_value(),
        sender=settings.smtp_sender,
    )


def twilio_config(settings: Settings) -> TwilioConfig | None:
    if not settings.twilio_account_sid:
        return None
    return TwilioConfig(
        account_sid=settings.twilio_account_sid,
        auth_token=settings.twilio_auth_token.get_secret_value(),
        from_number=settings.twilio_from,
        api_url=settings.twilio_api_url,
    )


def mqtt_config(settings: Settings) -> MqttConfig | None:
    if not settings.mqtt_url:
        return None
    return MqttConfig.from_url(settings.mqtt_url, settings.mqtt_topic_prefix)


def build_channels(settings: Settings, push: WebPushConfig | None = None) -> dict[ChannelKind, Channel]:
    """Every channel; one without configuration fails its deliveries with `not configured`, at once.
    `push`: the VAPID key and the subscriptions (they live in the database); None: no Web Push here."""
    return {
        ChannelKind.EMAIL: EmailChannel(smtp_config(settings)),
        ChannelKind.SMS: SmsChannel(twilio_config(settings)),
        ChannelKind.WEBHOOK: WebhookChannel(
            WebhookConfig(
                settings.webhook_secret.get_secret_value(),
                settings.webhook_timeout_s,
                outbound=settings.webhook_outbound(),
            )
        ),
        ChannelKind.MQTT: MqttChannel(mqtt_config(settings)),
        ChannelKind.WEBPUSH: WebPushChannel(push),
    }


def retry_policy(settings: Settings) -> RetryPolicy:
    return RetryPolicy(
        max_attempts=settings.alert_max_attempts,
        first_delay_s=settings.alert_retry_first_s,
        max_delay_s=settings.alert_retry_max_s,
        attempt_timeout_s=settings.alert_attempt_timeout_s,
    )


def redactor(settings: Settings, *extra: str) -> Redactor:
    """Every configured secret; `extra`: the routes' own webhook secrets."""
    mqtt = mqtt_config(settings)
    return Redactor(
        (
            settings.smtp_password.get_secret_value(),
            settings.twilio_auth_token.get_secret_value(),
            settings.webhook_secret.get_secret_value(),
            mqtt.password if mqtt else "",
            *extra,
        )
    )


def public_url(settings: Settings) -> str:
    return (settings.public_url or f"http://{settings.host}:{settings.port}").rstrip("/")


def vapid_subject(settings: Settings) -> str:
    """Who push services contact about this server's notifications (RFC 8292 `sub`): its https address,
    else the e-mail sender address."""
    url = public_url(settings)
    return url if url.startswith("https://") else f"mailto:{settings.smtp_sender}"


def incident_url(settings: Settings, incident_id: int) -> str:
    """Where the dashboard shows an incident."""
    return f"{public_url(settings)}/incidents/{incident_id}"
