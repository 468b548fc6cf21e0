"""Mail settings: the user's mail.toml, overridden by command-line options, and the login.

The password is read from the environment or the system keyring only: never from the
command line (other users can see it in the process list) nor from the config file.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .message import MailError, MailUsageError

APP = "xlsheet-outsource"
CONFIG_NAME = "mail.toml"
USER_VARIABLE = "XLSHEET_OUTSOURCE_SMTP_USER"
PASSWORD_VARIABLE = "XLSHEET_OUTSOURCE_SMTP_PASSWORD"
SECURITY_PORTS = {"starttls": 587, "ssl": 465, "none": 25}
DEFAULT_TIMEOUT_SECONDS = 30.0
DEFAULT_LIMIT_MB = 20.0

# Allowed keys and their types: a typo is an error, not a silently ignored setting.
_TOP_KEYS: dict[str, type | tuple[type, ...]] = {
    "from": str, "to": list, "cc": list, "outbox": str,
    "max_attachment_mb": (int, float), "smtp": dict}
_SMTP_KEYS: dict[str, type | tuple[type, ...]] = {
    "host": str, "port": int, "security": str, "timeout": (int, float), "user": str,
    "ca_file": str}


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    security: str  # starttls | ssl | none
    timeout: float  # seconds, for connecting and for every reply
    user: str | None = None
    ca_file: Path | None = None  # extra certificate authority to trust (a private server)

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


@dataclass(frozen=True)
class Login:
    user: str
    password: str = field(repr=False)


@dataclass(frozen=True)
class MailConfig:
    """What mail.toml says; every field optional."""
    sender: str | None = None
    to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    outbox: Path | None = None
    max_attachment_mb: float = DEFAULT_LIMIT_MB
    smtp: dict[str, object] = field(default_factory=dict)
    source: Path | None = None

    def server(self, host: str | None = None, port: int | None = None,
               security: str | None = None) -> SmtpServer | None:
        """The SMTP server from the options, else from the file; None: no server set up."""
        host = host or _text(self.smtp.get("host"))
        if not host:
            return None
        security = security or str(self.smtp.get("security", "starttls"))
        if security not in SECURITY_PORTS:
            raise MailUsageError(f"{self.source}: smtp.security must be one of "
                                 f"{', '.join(SECURITY_PORTS)}, got {security!r}")
        ca_file = self.smtp.get("ca_file")
        return SmtpServer(
            host=str(host), security=security,
            port=port or int(str(self.smtp.get("port", SECURITY_PORTS[security]))),
            timeout=float(str(self.smtp.get("timeout", DEFAULT_TIMEOUT_SECONDS))),
            user=os.environ.get(USER_VARIABLE) or _text(self.smtp.get("user")),
            ca_file=Path(str(ca_file)).expanduser() if ca_file else None)

    @property
    def max_attachment_bytes(self) -> int:
        return int(self.max_attachment_mb * 1024 * 1024)


def config_path() -> Path:
    """mail.toml in the user's config folder ($XDG_CONFIG_HOME, %APPDATA% or ~/.config)."""
    base = os.environ.get("XDG_CONFIG_HOME") or os.environ.get("APPDATA")
    return (Path(base) if base else Path.home() / ".config") / APP / CONFIG_NAME


def load_config(path: Path | None = None) -> MailConfig:
    path = path or config_path()
    try:
        with open(path, "rb") as stream:
            data = tomllib.load(stream)
    except FileNotFoundError:
        return MailConfig()
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise MailUsageError(f"{path}: cannot be read as TOML ({exc})") from None
    _check_keys(path, data, _TOP_KEYS, "")
    smtp = data.get("smtp", {})
    _check_keys(path, smtp, _SMTP_KEYS, "smtp.")
    _check_ranges(path, data, smtp)
    return MailConfig(
        sender=data.get("from"), to=_strings(path, data, "to"), cc=_strings(path, data, "cc"),
        outbox=Path(data["outbox"]).expanduser() if "outbox" in data else None,
        max_attachment_mb=float(data.get("max_attachment_mb", DEFAULT_LIMIT_MB)),
        smtp=smtp, source=path)


def _check_keys(path: Path, data: dict[str, object],
                allowed: dict[str, type | tuple[type, ...]], prefix: str) -> None:
    for key, value in data.items():
        if "password" in key.lower():
            raise MailUsageError(f"{path}: a password does not belong in the config file; set "
                                 f"{PASSWORD_VARIABLE} or store it in the system keyring")
        if key not in allowed:
            raise MailUsageError(f"{path}: unknown setting {prefix}{key} (known: "
                                 f"{', '.join(prefix + k for k in allowed)})")
        if not isinstance(value, allowed[key]) or isinstance(value, bool):
            raise MailUsageError(f"{path}: {prefix}{key} has the wrong type: {value!r}")


def _check_ranges(path: Path, data: dict[str, object], smtp: dict[str, object]) -> None:
    """Numbers of the right type but that cannot work (a timeout of 0 never waits)."""
    port = smtp.get("port")
    if isinstance(port, int) and not 1 <= port <= 65535:
        raise MailUsageError(f"{path}: smtp.port must be a port number from 1 to 65535, "
                             f"got {port}")
    for key, value, what in (("smtp.timeout", smtp.get("timeout"), "a number of seconds above 0"),
                             ("max_attachment_mb", data.get("max_attachment_mb"), "above 0")):
        if isinstance(value, (int, float)) and not value > 0:
            raise MailUsageError(f"{path}: {key} must be {what}, got {value!r}")


def _strings(path: Path, data: dict[str, object], key: str) -> tuple[str, ...]:
    values = data.get(key, [])
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise MailUsageError(f"{path}: {key} must be a list of addresses")
    return tuple(values)


def _text(value: object) -> str | None:
    """A setting checked to be text when mail.toml was read (None when it is not set)."""
    return None if value is None else str(value)


def find_login(server: SmtpServer) -> Login | None:
    """The user's login for this server, or None to send without logging in."""
    if not server.user:
        return None
    if server.security == "none":
        raise MailUsageError(f"refusing to send the password unencrypted to {server.address}: "
                             "use --smtp-security starttls or ssl")
    password = os.environ.get(PASSWORD_VARIABLE) or _keyring_password(server)
    if not password:
        raise MailError(f"no password for the SMTP login at {server.address}: set "
                        f"{PASSWORD_VARIABLE}, or store it with: keyring set "
                        f"{keyring_service(server)} USER")
    return Login(server.user, password)


def keyring_service(server: SmtpServer) -> str:
    return f"{APP}:{server.host}"


def _keyring_password(server: SmtpServer) -> str | None:
    try:
        import keyring  # optional: used where the user has installed it
        from keyring.errors import KeyringError
    except ImportError:
        return None
    try:
        return keyring.get_password(keyring_service(server), server.user)
    except KeyringError:
        return None  # no usable keyring backend: as if nothing were stored
