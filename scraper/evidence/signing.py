"""The installation's signing key, and signatures in the WACZ signing spec's anonymous form.

The key pair (ECDSA P-256) is made on first use under `$SCRAPER_HOME/keys/`; the private key file
is created with mode 0600 and its content never leaves this module. A signature is over the UTF-8
text of the datapackage hash ("sha256:…"), SHA-256, in the raw r||s form WebCrypto uses, base64;
the public key travels with it (base64 DER SubjectPublicKeyInfo), so anyone can check it, and
comparing its fingerprint with the one a person publishes ties the bundle to this installation.
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

CURVE = ec.SECP256R1()
PRIVATE_KEY = "signing-key.pem"
PUBLIC_KEY = "signing-key.pub.pem"


@dataclass(frozen=True)
class KeyPair:
    private: ec.EllipticCurvePrivateKey
    public_b64: str  # base64 DER SubjectPublicKeyInfo, as the spec embeds it

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.public_b64)


def fingerprint(public_b64: str) -> str:
    """SHA-256 of the public key's DER bytes: what a person compares."""
    return hashlib.sha256(base64.b64decode(public_b64)).hexdigest()


def _public_b64(key: ec.EllipticCurvePublicKey) -> str:
    der = key.public_bytes(serialization.Encoding.DER,
                           serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(der).decode("ascii")


def load_or_create(keys_dir: Path) -> KeyPair:
    """This installation's key pair, made on first use."""
    path = keys_dir / PRIVATE_KEY
    if path.is_file():
        private = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(private, ec.EllipticCurvePrivateKey):
            raise ValueError(f"{path} is not an ECDSA private key")
        return KeyPair(private, _public_b64(private.public_key()))
    keys_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(keys_dir, 0o700)
    private = ec.generate_private_key(CURVE)
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    # Created 0600 from the start (O_EXCL: never over another key), not chmod-ed afterwards.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    public = private.public_key().public_bytes(serialization.Encoding.PEM,
                                               serialization.PublicFormat.SubjectPublicKeyInfo)
    (keys_dir / PUBLIC_KEY).write_bytes(public)
    return KeyPair(private, _public_b64(private.public_key()))


def sign(keys: KeyPair, datapackage_hash: str, created: str, software: str,
         version: str) -> dict[str, Any]:
    """The spec's anonymous signedData for `datapackage_hash`."""
    der = keys.private.sign(datapackage_hash.encode("utf-8"), ec.ECDSA(hashes.SHA256()))
    r, s = decode_dss_signature(der)
    size = (keys.private.curve.key_size + 7) // 8
    raw = r.to_bytes(size, "big") + s.to_bytes(size, "big")
    return {
        "hash": datapackage_hash, "created": created, "software": software, "version": version,
        "signature": base64.b64encode(raw).decode("ascii"), "publicKey": keys.public_b64,
    }


def check(signed: dict[str, Any]) -> None:
    """Raise ValueError unless `signature` is a valid signature of `hash` by `publicKey`."""
    try:
        public = serialization.load_der_public_key(base64.b64decode(signed["publicKey"]))
        raw = base64.b64decode(signed["signature"], validate=True)
    except (KeyError, ValueError, TypeError) as exc:
        raise ValueError(f"unreadable signature or public key ({exc})") from None
    if not isinstance(public, ec.EllipticCurvePublicKey):
        raise ValueError("the public key is not an ECDSA key")
    size = (public.curve.key_size + 7) // 8
    if len(raw) != 2 * size:
        raise ValueError(f"the signature is {len(raw)} bytes, not {2 * size}")
    der = encode_dss_signature(int.from_bytes(raw[:size], "big"), int.from_bytes(raw[size:], "big"))
    try:
        public.verify(der, str(signed.get("hash", "")).encode("utf-8"), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise ValueError("the signature does not match the hash and public key") from None
