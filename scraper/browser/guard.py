"""The SSRF guard (`SCRAPER_BLOCK_PRIVATE=1`): no request of the browser reaches a private,
loopback or link-local address.

Chromium is launched with this module's forward proxy as its proxy for everything (loopback
included), so every request passes here before it is sent: the page, each redirect hop, every
sub-request, iframes, workers, WebSockets (WebRTC, which uses no proxy, is switched off). The
proxy resolves the host itself, refuses it unless every address is globally routable, and
connects to the very address it checked, so a DNS answer cannot change between the check and the
connection (rebinding within a request).

The browser's `--host-resolver-rules` (SCRAPER_BROWSER_ARGS) are applied here too: behind a proxy
Chromium resolves no target host itself, and the guard must see the addresses the browser would
have used.
"""

from __future__ import annotations

import asyncio
import contextlib
import fnmatch
import ipaddress
import socket
from collections.abc import Callable, Sequence
from urllib.parse import urlsplit

from loguru import logger

from scraper.base.errors import JobFailed

BLOCKED_HEADER = "X-Scraper-Blocked"
# WebRTC sends its UDP (STUN, TURN, peers) around any proxy, so a page's RTCPeerConnection with a
# private `stun:` server would reach it. Chromium's IP-handling policy that forbids that
# (disable_non_proxied_udp) is a profile preference Playwright's throwaway profiles cannot set,
# and no switch of Chrome sets it: under the guard, WebRTC is off instead. Run in every frame of
# the context as its document is created (Playwright's init script), before the page's own code.
WEBRTC_OFF = """(() => {
  for (const name of ['RTCPeerConnection', 'webkitRTCPeerConnection']) {
    try { delete globalThis[name]; } catch (e) {}
  }
})();"""
_HEAD_LIMIT = 64 * 1024
_HOP_HEADERS = ("connection", "proxy-connection", "keep-alive", "proxy-authorization")


class Refused(JobFailed):
    def __init__(self, host: str, address: str) -> None:
        super().__init__(f"refused: {host} resolves to {address}, not a public address "
                         "(SCRAPER_BLOCK_PRIVATE=1)", "network")


def public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


class Resolver:
    """Host names to addresses as the browser would resolve them: its host-resolver rules first
    (MAP pattern target, MAP pattern ~NOTFOUND, EXCLUDE pattern; the first that matches wins),
    then the system's resolver."""

    def __init__(self, browser_args: Sequence[str],
                 allowed: Callable[[str], bool] = public) -> None:
        self.allowed = allowed  # which addresses may be reached (tests narrow it)
        self.refused: list[str] = []  # host names refused so far, for logs and tests
        self.rules: list[tuple[str, str, str | None]] = []
        for arg in browser_args:
            if arg.startswith("--host-resolver-rules="):
                for rule in arg.split("=", 1)[1].strip("\"'").split(","):
                    words = rule.split()
                    if len(words) == 3 and words[0].upper() == "MAP":
                        self.rules.append(("MAP", words[1], words[2]))
                    elif len(words) == 2 and words[0].upper() == "EXCLUDE":
                        self.rules.append(("EXCLUDE", words[1], None))

    async def resolve(self, host: str, port: int) -> list[str]:
        host = host.strip("[]")
        for kind, pattern, target in self.rules:
            if fnmatch.fnmatchcase(host.lower(), pattern.lower()):
                if kind == "EXCLUDE":
                    break
                if target is None or target == "~NOTFOUND":
                    return []
                host = target.rsplit(":", 1)[0] if target.count(":") == 1 else target.strip("[]")
                break
        with contextlib.suppress(ValueError):
            return [str(ipaddress.ip_address(host))]
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError:
            return []
        return list(dict.fromkeys(str(info[4][0]) for info in infos))

    async def check(self, host: str, port: int) -> str:
        """The address to connect to; Refused when any address of `host` is not public."""
        addresses = await self.resolve(host, port)
        if not addresses:
            raise JobFailed(f"{host}: host name not found", "network")
        for address in addresses:
            if not self.allowed(address):
                self.refused.append(host)
                raise Refused(host, address)
        return addresses[0]


class GuardProxy:
    """An HTTP forward proxy (plain requests and CONNECT tunnels) that refuses private targets."""

    def __init__(self, resolver: Resolver) -> None:
        self.resolver = resolver
        self._server: asyncio.Server | None = None

    async def start(self) -> str:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0, limit=_HEAD_LIMIT)
        port = self._server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
            line, *headers = head.rstrip("\r\n").split("\r\n")
            method, target, version = line.split(" ", 2)
            if method.upper() == "CONNECT":
                host, _, port = target.rpartition(":")
                upstream = await self._open(host, int(port or 443))
                writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            else:
                parts = urlsplit(target)
                upstream = await self._open(parts.hostname or "", parts.port or 80)
                path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
                upstream[1].write(_request(method, path, version, headers).encode("latin-1"))
            await _pipe(reader, writer, *upstream)
        except Refused as exc:
            logger.warning("{}", exc)
            _refuse(writer, str(exc))
        except (OSError, ValueError, JobFailed, asyncio.IncompleteReadError,
                asyncio.LimitOverrunError) as exc:
            logger.debug("guard proxy: {}", exc)
        finally:
            with contextlib.suppress(Exception):
                writer.close()

    async def _open(self, host: str, port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        address = await self.resolver.check(host, port)
        return await asyncio.wait_for(asyncio.open_connection(address, port), timeout=15)


def _request(method: str, path: str, version: str, headers: list[str]) -> str:
    upgrade = any(h.lower().startswith("upgrade:") for h in headers)
    kept = [h for h in headers if upgrade or h.split(":", 1)[0].strip().lower() not in _HOP_HEADERS]
    if not upgrade:
        kept.append("Connection: close")  # one request per connection: each is checked anew
    return f"{method} {path} {version}\r\n" + "".join(f"{h}\r\n" for h in kept) + "\r\n"


def _refuse(writer: asyncio.StreamWriter, reason: str) -> None:
    body = reason.encode()
    writer.write(b"HTTP/1.1 403 Forbidden\r\n" + f"{BLOCKED_HEADER}: 1\r\n".encode()
                 + b"Content-Type: text/plain\r\nConnection: close\r\n"
                 + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)


async def _pipe(client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter,
                up_r: asyncio.StreamReader, up_w: asyncio.StreamWriter) -> None:
    async def copy(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError):
            while data := await source.read(65536):
                sink.write(data)
                await sink.drain()
        with contextlib.suppress(Exception):
            sink.close()

    try:
        await asyncio.gather(copy(client_r, up_w), copy(up_r, client_w))
    finally:
        up_w.close()
