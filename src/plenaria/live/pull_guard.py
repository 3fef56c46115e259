"""Which hosts the service may pull a live stream from: no internal network (SSRF).

A live session's URL comes from a caller over the API, and the worker's ffmpeg
opens it from inside the deployment. So the service (never ``plenaria live`` on
the command line, the operator's own tool) resolves the URL's host and refuses
it when any of its addresses is loopback, private, link-local, multicast,
unspecified, reserved or otherwise not global, IPv4 and IPv6 alike (an
IPv4-mapped, 6to4 or Teredo IPv6 address is judged by the IPv4 address inside),
unless ``PLENARIA_LIVE_ALLOWED_HOSTS`` names the host or a network holding it.

What ffmpeg resolves and opens later is checked again, where it connects:

- http/https and HLS go through :class:`plenaria.live.egress.CheckedProxy`, which
  checks every host ffmpeg asks for (the playlist, each segment, each redirect)
  and connects to the address it checked, so a name that changes its answer
  after the check (DNS rebinding) still cannot reach an internal address;
- tcp, udp and srt are pinned: ffmpeg gets the checked address, not the name,
  and no query options (ffmpeg reads ``?listen=1``, ``?localport=`` or srt's
  ``?mode=listener`` from them); srt keeps only ``streamid``, ``passphrase``,
  ``pbkeylen`` and ``latency``; udp gets ``connect=1``, so that only datagrams
  from the checked address are read;
- rtmp/rtmps names are checked again before each connection (their host name
  travels inside the protocol, so it is not replaced).

Messages are in Spanish: the API shows them to the caller as they are.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from plenaria.errors import InputError
from plenaria.live.source import PROTOCOLS

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

DEFAULT_PORTS = {"http": 80, "https": 443, "rtmp": 1935, "rtmps": 443}
PINNED_SCHEMES = ("tcp", "udp", "srt")
SRT_OPTIONS = ("streamid", "passphrase", "pbkeylen", "latency")
ALLOW_HINT = (
    "Use la dirección pública del emisor, o pida al administrador que añada ese servidor "
    "a PLENARIA_LIVE_ALLOWED_HOSTS."
)


class PullRefused(InputError):
    """The live URL points where the service does not read from (422)."""


@dataclass(frozen=True)
class AllowedHosts:
    """``PLENARIA_LIVE_ALLOWED_HOSTS``: host names and networks (CIDR) always allowed."""

    names: frozenset[str] = frozenset()
    networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def parse(cls, text: str) -> AllowedHosts:
        names: set[str] = set()
        networks: list[IPNetwork] = []
        for item in (i.strip() for i in text.split(",")):
            if not item:
                continue
            try:
                networks.append(ipaddress.ip_network(item.strip("[]"), strict=False))
            except ValueError:
                names.add(item.lower().rstrip("."))
        return cls(frozenset(names), tuple(networks))

    def allows_name(self, host: str) -> bool:
        return host.lower().rstrip(".") in self.names

    def allows(self, ip: IPAddress) -> bool:
        return any(ip.version == n.version and ip in n for n in self.networks)


def refusal(ip: IPAddress) -> str | None:
    """Why the service does not connect to ``ip`` (Spanish), or None for a global address."""
    if isinstance(ip, ipaddress.IPv6Address):
        inner = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if inner is not None:
            return refusal(inner)
    checks = (
        (ip.is_unspecified, "no especificada"),
        (ip.is_loopback, "local (loopback)"),
        (ip.is_link_local, "de enlace local"),
        (ip.is_multicast, "multicast"),
        (ip.is_private, "privada"),
        (ip.is_reserved, "reservada"),
        (not ip.is_global, "no pública"),
    )
    return next((why for bad, why in checks if bad), None)


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address ``host`` resolves to (an address literal is itself)."""
    try:
        return [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as e:
        raise PullRefused(
            f"No se encuentra el servidor del directo «{host}».",
            "Compruebe la dirección del emisor.",
        ) from e
    seen: dict[str, IPAddress] = {}
    for info in infos:
        address = str(info[4][0]).split("%", 1)[0]
        seen.setdefault(address, ipaddress.ip_address(address))
    return list(seen.values())


def checked_addresses(host: str, port: int, allowed: AllowedHosts) -> list[IPAddress]:
    """The addresses of ``host`` the service may connect to; PullRefused when any is internal.

    A host named in the allowed list is not judged (nor resolved here: ``[]``).
    """
    if allowed.allows_name(host):
        return []
    addresses = resolve(host, port)
    for ip in addresses:
        why = refusal(ip)
        if why is not None and not allowed.allows(ip):
            shown = "" if host.strip("[]") == str(ip) else f" ({ip})"
            raise PullRefused(
                f"El servidor del directo «{host}»{shown} tiene una dirección {why}: "
                "el servicio no lee de redes internas.",
                ALLOW_HINT,
            )
    if not addresses:
        raise PullRefused(f"El servidor del directo «{host}» no tiene dirección.", ALLOW_HINT)
    return addresses


def check_pull_url(url: str, allowed: AllowedHosts) -> str:
    """The URL the service records, checked and cleaned; PullRefused (Spanish) otherwise.

    Scheme among the stream schemes, a host that resolves to allowed addresses only,
    no query options for tcp and udp (srt keeps its stream options).
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in PROTOCOLS:
        known = ", ".join(f"{s}://" for s in PROTOCOLS)
        raise PullRefused(
            f"No se puede leer un directo con esa dirección: el esquema debe ser uno de {known}.",
            "Dé la dirección del emisor, p. ej. https://sede.example.es/pleno/live.m3u8.",
        )
    try:
        host, port = parts.hostname, parts.port
    except ValueError as e:
        raise PullRefused("La dirección del directo tiene un puerto no válido.") from e
    if not host:
        raise PullRefused(
            "La dirección del directo no nombra ningún servidor.", "Dé host y puerto."
        )
    if scheme in PINNED_SCHEMES and not port:
        raise PullRefused(
            f"Una dirección {scheme}:// necesita un puerto.", f"P. ej. {scheme}://host:9000."
        )
    checked_addresses(host, port or DEFAULT_PORTS.get(scheme, 0), allowed)
    if scheme in PINNED_SCHEMES:
        kept = [(k, v) for k, v in parse_qsl(parts.query) if scheme == "srt" and k in SRT_OPTIONS]
        parts = parts._replace(query=urlencode(kept), fragment="")
    return urlunsplit(parts)


def pinned_url(url: str, allowed: AllowedHosts) -> str:
    """What ffmpeg opens for a checked URL: tcp/udp/srt with the address checked now
    instead of the name; any other URL as it is, its host checked again."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = parts.hostname or ""
    port = parts.port or DEFAULT_PORTS.get(scheme, 0)
    addresses = checked_addresses(host, port, allowed)
    if scheme not in PINNED_SCHEMES:
        return url
    if not addresses:  # an allowed name: ffmpeg resolves it
        return url
    ip = addresses[0]
    literal = f"[{ip}]" if ip.version == 6 else str(ip)
    # udp: connect() the socket, so that only the checked peer's datagrams are read
    query = "connect=1" if scheme == "udp" else parts.query
    return urlunsplit(parts._replace(netloc=f"{literal}:{port}", query=query))


def mask_url(url: str) -> str:
    """The URL as shown to people: no user-info, no query (they may hold credentials)."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        netloc = "***@" + netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=netloc, query="***" if parts.query else ""))
