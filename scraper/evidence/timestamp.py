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

from asn1crypto import cms
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding
from rfc3161_client import (
    HashAlgorithm,
    MessageImprint,
    PKIStatus,
    TimestampRequestBuilder,
    VerificationError,
    Verifier,
    VerifierBuilder,
    decode_timestamp_response,
)

from scraper.base.times import iso

# A stamp further than this from the signature's `created` does not date it (the spec's window).
MAX_SKEW_SECONDS = 600
_SHA256_OID = x509.ObjectIdentifier("2.16.840.1.101.3.4.2.1")
_HASHES: dict[str, hashes.HashAlgorithm] = {
    "sha256": hashes.SHA256(), "sha384": hashes.SHA384(), "sha512": hashes.SHA512(),
}
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
    request = (TimestampRequestBuilder().data(message).hash_algorithm(HashAlgorithm.SHA256)
               .nonce(nonce=True).cert_request(cert_request=True).build())
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
    signer = _check_token_signature(response.time_stamp_token(), embedded)
    time = response.tst_info.gen_time.astimezone(UTC)
    if abs((time - created).total_seconds()) > MAX_SKEW_SECONDS:
        raise TimestampError(f"the timestamp ({iso(time)}) is more than "
                             f"{MAX_SKEW_SECONDS // 60} minutes from the signature's creation")
    chained: bool | None = None
    if trusted:
        try:
            chained = _verifier(list(trusted), embedded).verify_message(response, message)
        except VerificationError:
            chained = False
    return StampCheck(time, signer.subject.rfc4514_string(), chained)


def _verifier(roots: list[x509.Certificate], intermediates: list[x509.Certificate]) -> Verifier:
    builder = VerifierBuilder()
    for root in roots:
        builder = builder.add_root_certificate(root)
    for cert in intermediates:
        if cert not in roots:
            builder = builder.add_intermediate_certificate(cert)
    return builder.build()


def _check_token_signature(token: bytes, certificates: list[x509.Certificate]) -> x509.Certificate:
    """Check the CMS signature of a timestamp token with the certificate it names; return that
    certificate. (Chain trust is a separate question, answered only against given certificates.)"""
    try:
        signed = cms.ContentInfo.load(token)["content"]
        info = signed["signer_infos"][0]
        tst_info = signed["encap_content_info"]["content"].contents
        algorithm = info["digest_algorithm"]["algorithm"].native
        attrs = info["signed_attrs"]
        wanted = next(a["values"][0].native for a in attrs if a["type"].native == "message_digest")
        sid = info["sid"].chosen
        serial, issuer_der = sid["serial_number"].native, sid["issuer"].dump()
        signature = info["signature"].native
    except (ValueError, KeyError, IndexError, StopIteration) as exc:
        raise TimestampError(f"unreadable timestamp token ({exc})") from None
    if hashlib.new(algorithm, tst_info).digest() != wanted:
        raise TimestampError("the timestamp token's content does not match its signed digest")
    cert = next((c for c in certificates if c.serial_number == serial
                 and c.issuer.public_bytes() == issuer_der), None)
    if cert is None:
        raise TimestampError("the timestamp does not carry the certificate that signed it")
    # The signature covers the signed attributes as a DER SET (their [0] tag replaced).
    data = b"\x31" + attrs.dump()[1:]
    chosen = _HASHES.get(algorithm)
    key = cert.public_key()
    try:
        if chosen is None:
            raise TimestampError(f"unsupported digest {algorithm}")
        if isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, data, ec.ECDSA(chosen))
        elif isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, data, padding.PKCS1v15(), chosen)
        else:
            raise TimestampError("unsupported TSA key type")
    except InvalidSignature:
        raise TimestampError("the timestamp's signature does not verify") from None
    return cert
