"""The installation's signing key, and signatures in the WACZ signing spec's anonymous form.

The key pair (ECDSA P-384, the curve ReplayWeb.page checks anonymous signatures with) is made on
first use under `$SCRAPER_HOME/keys/`; the private key file is created with mode 0600 and its
content never leaves this module. An installation's older P-256 key (`signing-key.pem`, before
P-384) is kept where it is: it signs nothing new, and it still counts as this installation's key.
A signature is over the UTF-8 text of the datapackage hash ("sha256:…"), SHA-256, in the raw
r||s form WebCrypto uses, base64; the public key travels with it (base64 DER
SubjectPublicKeyInfo), so anyone can check it, and comparing its fingerprint with the one a
person publishes ties the bundle to this installation.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
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

CURVE = ec.SECP384R1()
PRIVATE_KEY = "signing-key-p384.pem"
PUBLIC_KEY = "signing-key-p384.pub.pem"
LEGACY_PRIVATE_KEY = "signing-key.pem"  # the P-256 key of installations before P-384
_FINGERPRINT = re.compile(r"(?:sha256:)?([0-9a-f]{64})")


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


def _load(path: Path) -> KeyPair:
    private = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(private, ec.EllipticCurvePrivateKey):
        raise ValueError(f"{path} is not an ECDSA private key")
    return KeyPair(private, _public_b64(private.public_key()))


def own_keys(keys_dir: Path) -> list[str]:
    """This installation's public keys (base64 DER): the signing key and any older one, none
    made here."""
    return [_load(keys_dir / name).public_b64 for name in (PRIVATE_KEY, LEGACY_PRIVATE_KEY)
            if (keys_dir / name).is_file()]


def load_or_create(keys_dir: Path) -> KeyPair:
    """This installation's signing key pair, made on first use."""
    path = keys_dir / PRIVATE_KEY
    if path.is_file():
        return _load(path)
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


def trusted_fingerprints(text: str, where: str) -> set[str]:
    """The key fingerprints a trusted-keys text names: PEM public keys (`-----BEGIN PUBLIC KEY-----`
    blocks) and SHA-256 fingerprints (64 hex digits, `sha256:` optional), one a line, `#` comments.
    ValueError naming `where` and the line for anything else."""
    found: set[str] = set()
    pem: list[str] | None = None
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if pem is not None:
            pem.append(line)
            if line.startswith("-----END"):
                found.add(_pem_fingerprint("\n".join(pem), f"{where}, the key ending at line {number}"))
                pem = None
            continue
        if not line or line.startswith("#"):
            continue
        if line.startswith("-----BEGIN"):
            pem = [line]
        elif match := _FINGERPRINT.fullmatch(line.lower()):
            found.add(match.group(1))
        else:
            raise ValueError(f"{where}, line {number}: neither a PEM public key nor a SHA-256 "
                             "fingerprint (64 hex digits)")
    if pem is not None:
        raise ValueError(f"{where}: a PEM block without its -----END line")
    return found


def _pem_fingerprint(pem: str, where: str) -> str:
    try:
        public = serialization.load_pem_public_key(pem.encode("ascii"))
    except (ValueError, UnicodeEncodeError) as exc:
        raise ValueError(f"{where}: not a PEM public key ({exc})") from None
    if not isinstance(public, ec.EllipticCurvePublicKey):
        raise ValueError(f"{where}: not an ECDSA public key")
    return fingerprint(_public_b64(public))
