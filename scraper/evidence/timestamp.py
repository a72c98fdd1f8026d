"""RFC 3161 trusted timestamps of a signature: ask a TSA, and check a stamp later.

The stamped message is the raw signature bytes (what the WACZ signing spec's `timeSignature`
covers). The TSA's answer is kept whole (base64 DER TimeStampResp) with its certificates as PEM.
"""

from __future__ import annotations

import hashlib
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from rfc3161_client import (
    MessageImprint,
    PKIStatus,
    TimestampRequestBuilder,
    TimeStampResponse,
    VerificationError,
    Verifier,
    VerifierBuilder,
    decode_timestamp_response,
)

# A stamp further than this from the signature's `created` does not date it (the spec's window).
MAX_SKEW_SECONDS = 600
_SHA256_OID = x509.ObjectIdentifier("2.16.840.1.101.3.4.2.1")
# A TSA is asked directly, whatever proxy the environment names.
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class TimestampError(Exception):
    """The TSA could not be asked, refused, or answered something that is not a stamp of ours."""


@dataclass(frozen=True)
class Stamp:
    response: bytes  # DER TimeStampResp
    certificates_pem: str
    time: datetime


@dataclass(frozen=True)
class StampCheck:
    time: datetime
    tsa: str  # the signing certificate's subject
    trusted: bool | None  # chains to a given trusted certificate; None when none was given


def request_stamp(tsa_url: str, message: bytes, timeout: float = 30.0) -> Stamp:
    where = f"TSA {urlsplit(tsa_url).hostname}"  # never the whole URL: it may carry a token
    request = (TimestampRequestBuilder().data(message).nonce(nonce=True)
               .cert_request(cert_request=True).build())
    http = urllib.request.Request(tsa_url, data=request.as_bytes(), method="POST",
                                  headers={"Content-Type": "application/timestamp-query"})
    try:
        with _DIRECT.open(http, timeout=timeout) as answer:
            body = answer.read()
    except (urllib.error.URLError, OSError) as exc:
        raise TimestampError(f"{where}: {getattr(exc, 'reason', exc)}") from None
    try:
        response = decode_timestamp_response(body)
    except ValueError as exc:
        raise TimestampError(f"{where}: not a timestamp response ({exc})") from None
    if PKIStatus(response.status) not in (PKIStatus.GRANTED, PKIStatus.GRANTED_WITH_MODS):
        raise TimestampError(f"{where} refused: {' '.join(response.status_string)}")
    if response.tst_info.nonce != request.nonce:
        raise TimestampError(f"{where}: the answer's nonce is not the request's")
    _check_imprint(response.tst_info.message_imprint, message)
    certificates = [x509.load_der_x509_certificate(c) for c in response.signed_data.certificates]
    pem = "".join(c.public_bytes(Encoding.PEM).decode("ascii") for c in certificates)
    return Stamp(body, pem, response.tst_info.gen_time.astimezone(UTC))


def _check_imprint(imprint: MessageImprint, message: bytes) -> None:
    if (imprint.hash_algorithm != _SHA256_OID
            or imprint.message != hashlib.sha256(message).digest()):
        raise TimestampError("the timestamp's message imprint is not the SHA-256 of the signature")


def check_stamp(response_der: bytes, message: bytes, created: datetime,
                trusted: Sequence[x509.Certificate] = ()) -> StampCheck:
    """Check a stamp of `message`: its imprint, its signature (by the certificate it carries),
    its time against `created`, and, given trusted certificates, whether it chains to one.
    Raises TimestampError naming what is wrong."""
    try:
        response = decode_timestamp_response(response_der)
    except ValueError as exc:
        raise TimestampError(f"unreadable timestamp ({exc})") from None
    _check_imprint(response.tst_info.message_imprint, message)
    embedded = [x509.load_der_x509_certificate(c) for c in response.signed_data.certificates]
    if not embedded:
        raise TimestampError("the timestamp carries no certificate to check it with")
    try:
        _verifier(embedded, []).verify_message(response, message)
    except VerificationError as exc:
        raise TimestampError(f"the timestamp's signature does not verify ({exc})") from None
    time = response.tst_info.gen_time.astimezone(UTC)
    if abs((time - created).total_seconds()) > MAX_SKEW_SECONDS:
        raise TimestampError(f"the timestamp ({time:%Y-%m-%dT%H:%M:%SZ}) is more than "
                             f"{MAX_SKEW_SECONDS // 60} minutes from the signature's creation")
    chained: bool | None = None
    if trusted:
        try:
            chained = _verifier(list(trusted), embedded).verify_message(response, message)
        except VerificationError:
            chained = False
    return StampCheck(time, _signer(embedded, response).rfc4514_string(), chained)


def _verifier(roots: list[x509.Certificate], intermediates: list[x509.Certificate]) -> Verifier:
    builder = VerifierBuilder()
    for root in roots:
        builder = builder.add_root_certificate(root)
    for cert in intermediates:
        if cert not in roots:
            builder = builder.add_intermediate_certificate(cert)
    return builder.build()


def _signer(certificates: list[x509.Certificate], response: TimeStampResponse) -> x509.Name:
    infos = list(response.signed_data.signer_infos)
    for cert in certificates:
        if infos and cert.serial_number == infos[0].serial_number and cert.issuer == infos[0].issuer:
            return cert.subject
    return certificates[0].subject
