"""Chromium's network error codes in a person's words: `cannot load URL: the server refused the
connection (net::ERR_CONNECTION_REFUSED)`, not `Page.goto: net::ERR_CONNECTION_REFUSED at URL`.
`scraper.pipeline.failures` says every failed load with them."""

from __future__ import annotations

# The codes a page load meets in practice (chromium/src/net/base/net_error_list.h).
REASONS = {
    "ERR_CONNECTION_REFUSED": "the server refused the connection (is anything listening there?)",
    "ERR_CONNECTION_RESET": "the server reset the connection",
    "ERR_CONNECTION_CLOSED": "the server closed the connection without answering",
    "ERR_EMPTY_RESPONSE": "the server closed the connection without answering",
    "ERR_CONNECTION_TIMED_OUT": "the connection timed out",
    "ERR_TIMED_OUT": "the request timed out",
    "ERR_CONNECTION_FAILED": "the connection failed",
    "ERR_NAME_NOT_RESOLVED": "the host name does not resolve (a typo, or no DNS?)",
    "ERR_NAME_RESOLUTION_FAILED": "the host name could not be looked up (no DNS?)",
    "ERR_ADDRESS_UNREACHABLE": "the address is unreachable",
    "ERR_ADDRESS_INVALID": "the address is not valid",
    "ERR_INTERNET_DISCONNECTED": "there is no network connection",
    "ERR_NETWORK_CHANGED": "the network changed during the request",
    "ERR_NETWORK_ACCESS_DENIED": "network access was denied (a firewall?)",
    "ERR_UNSAFE_PORT": "the browser refuses that port (it belongs to another protocol)",
    "ERR_TOO_MANY_REDIRECTS": "the page redirects in a loop",
    "ERR_INVALID_REDIRECT": "the page redirects to an invalid address",
    "ERR_UNSAFE_REDIRECT": "the page redirects to an address the browser refuses",
    "ERR_INVALID_RESPONSE": "the server's answer is not valid HTTP",
    "ERR_INVALID_HTTP_RESPONSE": "the server's answer is not valid HTTP",
    "ERR_RESPONSE_HEADERS_TOO_BIG": "the server's answer has headers too large to read",
    "ERR_CONTENT_DECODING_FAILED": "the server's answer could not be decoded (bad compression)",
    "ERR_HTTP2_PROTOCOL_ERROR": "the server broke the HTTP/2 protocol",
    "ERR_SSL_PROTOCOL_ERROR": "the TLS handshake failed",
    "ERR_SSL_VERSION_OR_CIPHER_MISMATCH": "the server's TLS version or ciphers are not supported",
    "ERR_CERT_AUTHORITY_INVALID": "the site's TLS certificate is not trusted (self-signed?)",
    "ERR_CERT_COMMON_NAME_INVALID": "the site's TLS certificate is for another host name",
    "ERR_CERT_DATE_INVALID": "the site's TLS certificate has expired or is not valid yet",
    "ERR_CERT_REVOKED": "the site's TLS certificate has been revoked",
    "ERR_CERT_INVALID": "the site's TLS certificate is invalid",
    "ERR_PROXY_CONNECTION_FAILED": "the proxy cannot be reached",
    "ERR_TUNNEL_CONNECTION_FAILED": ("the proxy could not open a connection to the site "
                                     "(with SCRAPER_BLOCK_PRIVATE: a private address?)"),
    "ERR_PROXY_AUTH_UNSUPPORTED": "the proxy asks for a kind of login the browser cannot give",
    "ERR_PROXY_CERTIFICATE_INVALID": "the proxy's TLS certificate is invalid",
    "ERR_NO_SUPPORTED_PROXIES": "no usable proxy (check the proxy URL)",
    "ERR_SOCKS_CONNECTION_FAILED": "the SOCKS proxy could not connect to the site",
    "ERR_BLOCKED_BY_CLIENT": "the request was blocked (SCRAPER_BLOCK_PRIVATE or a block: list)",
    "ERR_BLOCKED_BY_RESPONSE": "the site forbids being shown this way",
    "ERR_ABORTED": "the load was aborted (a download, or the page stopped it)",
    "ERR_FILE_NOT_FOUND": "the file does not exist",
}


def net_reason(code: str) -> str:
    """A person's words for one `ERR_…` code."""
    return REASONS.get(code, code.removeprefix("ERR_").replace("_", " ").lower())
