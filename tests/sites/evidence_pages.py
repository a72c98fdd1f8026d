"""Pages that make evidence capture hard, on loopback: redirects, failing sub-resources, a slow
page that holds a request open, a page in ISO-8859-1, and the same over HTTPS with a self-signed
certificate (made here with cryptography)."""

from __future__ import annotations

import datetime
import ipaddress
import socket
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

SLOW_SECONDS = 1.5  # the slow page's document waits this long before its first byte
LATIN_TEXT = "Déjà vu à l'hôtel: café crème"
LATIN_PAGE = (f"<!doctype html><html><head><title>Latin page</title></head><body><h1>{LATIN_TEXT}"
              "</h1><p>Ein schöner Absatz über Käse.</p></body></html>").encode("latin-1")


def refused_port() -> int:
    """A loopback port nothing listens on (bound, never listening: connecting is refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class _Handler(BaseHTTPRequestHandler):
    server: EvidencePages
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path == "/start":
            self._redirect(302, "/moved")
        elif path == "/moved":
            self._redirect(301, "/latin")
        elif path == "/latin":
            self._send(200, LATIN_PAGE, "text/html; charset=ISO-8859-1")
        elif path == "/broken":
            page = (f'<!doctype html><title>Broken</title><h1>Broken parts</h1>'
                    f'<img src="/missing.png"><img src="http://127.0.0.1:{self.server.refused}/x.png">')
            self._send(200, page.encode(), "text/html; charset=utf-8")
        elif path == "/slow":
            time.sleep(SLOW_SECONDS)
            page = ('<!doctype html><title>Slow</title><h1>Slow page</h1>'
                    '<script>fetch("/hang")</script>')
            self._send(200, page.encode(), "text/html; charset=utf-8")
        elif path == "/hang":
            self.server.release.wait(60)  # until the server stops: never answered in a capture
            self.close_connection = True  # the browser is gone by then: nothing to answer
        else:
            self._send(404, b"no such page", "text/plain")

    def _redirect(self, status: int, location: str) -> None:
        body = f"moved to {location}".encode()
        self.send_response(status)
        self.send_header("Location", location)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class EvidencePages(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, context: ssl.SSLContext | None = None) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.refused = refused_port()
        self.release = threading.Event()
        if context is not None:
            self.socket = context.wrap_socket(self.socket, server_side=True)
        self.scheme = "https" if context else "http"
        self._thread = threading.Thread(target=self.serve_forever, name="evidence-pages", daemon=True)

    def url(self, path: str) -> str:
        return f"{self.scheme}://127.0.0.1:{self.server_address[1]}{path}"

    def __enter__(self) -> EvidencePages:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.shutdown()
        self.server_close()
        self._thread.join(timeout=10)


def self_signed_context(folder: Path) -> ssl.SSLContext:
    """A server TLS context with a fresh self-signed certificate for 127.0.0.1."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "scraper self-signed test")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .sign(key, hashes.SHA256()))
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(folder / "cert.pem", folder / "key.pem")
    return context
