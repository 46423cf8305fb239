"""Ed25519 signing of the release descriptor (PyNaCl) and the published key file format."""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey

SIGNING_KEY_ENV = "TOGETHEROS_SIGNING_KEY"
DEV_KEY_PATH = Path("keys") / "dev-signing.key"

DEV_KEY_COMMENT = "# togetheros release signing key: DEVELOPMENT key, generated locally; not a community key"
CONFIGURED_KEY_COMMENT = "# togetheros release signing key: configured key (TOGETHEROS_SIGNING_KEY)"


def _decode_seed(text: str, origin: str) -> bytes:
    try:
        seed = base64.b64decode(text.strip(), validate=True)
    except binascii.Error as error:
        raise ValueError(f"{origin} is not valid base64: {error}") from None
    if len(seed) != 32:
        raise ValueError(f"{origin} must be the base64 of a 32-byte ed25519 seed, got {len(seed)} bytes")
    return seed


@dataclass(frozen=True)
class SigningKeyConfig:
    """The key a release is signed with; `development` marks a locally generated key."""

    seed: bytes
    development: bool

    @classmethod
    def from_env(cls, env: Mapping[str, str], data_dir: Path) -> SigningKeyConfig:
        """The configured key from TOGETHEROS_SIGNING_KEY, else the development key under data_dir."""
        configured = env.get(SIGNING_KEY_ENV, "").strip()
        if configured:
            return cls(seed=_decode_seed(configured, SIGNING_KEY_ENV), development=False)
        return cls(seed=_load_or_create_dev_seed(data_dir / DEV_KEY_PATH), development=True)

    @property
    def public_key(self) -> bytes:
        return bytes(SigningKey(self.seed).verify_key)

    @property
    def key_id(self) -> str:
        return key_id(self.public_key)

    def sign(self, message: bytes) -> str:
        """Base64 of the detached ed25519 signature."""
        return base64.b64encode(SigningKey(self.seed).sign(message).signature).decode("ascii")

    def public_key_file_text(self) -> str:
        comment = DEV_KEY_COMMENT if self.development else CONFIGURED_KEY_COMMENT
        return f"{comment}\n{base64.b64encode(self.public_key).decode('ascii')}\n"


def _load_or_create_dev_seed(path: Path) -> bytes:
    if path.exists():
        return _decode_seed(path.read_text(), str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    seed = bytes(SigningKey.generate())
    # O_EXCL: if another process created the key first, use theirs rather than overwrite it.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _decode_seed(path.read_text(), str(path))
    with os.fdopen(fd, "w") as handle:
        handle.write(base64.b64encode(seed).decode("ascii") + "\n")
    return seed


def key_id(public_key: bytes) -> str:
    """A short, stable name for a public key: the first 16 hex of its SHA-256."""
    return hashlib.sha256(public_key).hexdigest()[:16]


def parse_public_key(text: str, origin: str) -> bytes:
    """The raw 32-byte key from a key file: the first line that is not a `#` comment."""
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]
    if not lines:
        raise ValueError(f"{origin} holds no key")
    try:
        key = base64.b64decode(lines[0], validate=True)
    except binascii.Error as error:
        raise ValueError(f"{origin} is not valid base64: {error}") from None
    if len(key) != 32:
        raise ValueError(f"{origin} must hold a 32-byte ed25519 public key, got {len(key)} bytes")
    return key


def signature_is_valid(message: bytes, signature_b64: str, public_key: bytes) -> bool:
    try:
        VerifyKey(public_key).verify(message, base64.b64decode(signature_b64.strip(), validate=True))
    except (BadSignatureError, binascii.Error, ValueError):
        return False
    return True
