"""Ed25519 signing of the release descriptor (PyNaCl) and the published key file format."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey

from pipelines.release import layout

SIGNING_KEY_ENV = "TOGETHEROS_SIGNING_KEY"
DEV_KEY_PATH = Path("keys") / "dev-signing.key"
ROTATIONS_PATH = Path("keys") / "rotations"  # rotation statements the writer puts into the next release

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
    # where the writer finds a rotation statement when this key follows another (see rotation_file_names)
    rotations_dir: Path | None = field(default=None, compare=False)

    @classmethod
    def from_env(cls, env: Mapping[str, str], data_dir: Path) -> SigningKeyConfig:
        """The configured key from TOGETHEROS_SIGNING_KEY, else the development key under data_dir."""
        configured = env.get(SIGNING_KEY_ENV, "").strip()
        if configured:
            seed, development = _decode_seed(configured, SIGNING_KEY_ENV), False
        else:
            seed, development = _load_or_create_dev_seed(data_dir / DEV_KEY_PATH), True
        return cls(seed=seed, development=development, rotations_dir=data_dir / ROTATIONS_PATH)

    @property
    def public_key(self) -> bytes:
        return bytes(SigningKey(self.seed).verify_key)

    @property
    def key_id(self) -> str:
        return key_id(self.public_key)

    def sign(self, message: bytes) -> str:
        """Base64 of the detached ed25519 signature."""
        return base64.b64encode(SigningKey(self.seed).sign(message).signature).decode("ascii")

    def sign_sshsig(self, message: bytes) -> str:
        """The OpenSSH (SSHSIG) signature of message, for `ssh-keygen -Y verify`."""
        return sshsig_sign(self.seed, message)

    def rotation_from(self, old_key_id: str) -> tuple[bytes, str] | None:
        """The rotation statement (bytes, signature) handing old_key_id over to this key, if one was prepared."""
        if self.rotations_dir is None:
            return None
        statement, signature = rotation_file_names(old_key_id, self.key_id)
        path = self.rotations_dir / statement
        if not path.is_file():
            return None
        return path.read_bytes(), (self.rotations_dir / signature).read_text()

    def rotation_after(self, previous: dict | None, previous_key_id: str | None) -> tuple[bytes, str] | None:
        """The rotation statement a release following `previous` (signed by previous_key_id) must carry:
        None while the key stays the same; ValueError if the key changes without a fitting statement."""
        if previous is None or previous_key_id in (None, self.key_id):
            return None
        found = self.rotation_from(previous_key_id)
        if found is None:
            raise ValueError(
                f"the previous release {previous['id']} was signed by key {previous_key_id}, this one would be "
                f"signed by key {self.key_id}: a release may change keys only with a rotation statement signed by "
                f"the old key (`togetheros rotate-key`, see docs/auditor-guide.md), or sign with key {previous_key_id}"
            )
        rotation = parse_rotation(*found)
        if rotation.old_key_id != previous_key_id or rotation.new_key_id != self.key_id:
            raise ValueError(f"the rotation statement hands {rotation.old_key_id} to {rotation.new_key_id}")
        if (rotation.previous_id, rotation.previous_descriptor_sha256) != (
            previous["id"],
            previous["descriptor_sha256"],
        ):
            raise ValueError(
                f"the rotation statement follows release {rotation.previous_id}, not the latest release "
                f"{previous['id']}"
            )
        return found

    def descriptor_block(self, rotation: tuple[bytes, str] | None) -> dict:
        """togetheros:signing: the key (id and bytes), its OpenSSH signature, the rotation statement if any."""
        block = {
            "algorithm": "ed25519",
            "key_id": self.key_id,
            "development_key": self.development,
            "public_key": base64.b64encode(self.public_key).decode("ascii"),
            "sshsig": {
                "file": layout.SSH_SIGNATURE,
                "namespace": SSHSIG_NAMESPACE,
                "allowed_signers": layout.ALLOWED_SIGNERS,
            },
        }
        if rotation is not None:
            block["rotation"] = {"file": layout.ROTATION, "sha256": hashlib.sha256(rotation[0]).hexdigest()}
        return block

    def write_proof_files(self, folder: Path, descriptor_bytes: bytes, rotation: tuple[bytes, str] | None) -> None:
        """Both signatures of the descriptor, the public key in both forms, and the rotation statement."""
        (folder / layout.SIGNATURE).write_text(self.sign(descriptor_bytes) + "\n")
        (folder / layout.PUBLIC_KEY).write_text(self.public_key_file_text())
        (folder / layout.SSH_SIGNATURE).write_text(self.sign_sshsig(descriptor_bytes))
        (folder / layout.ALLOWED_SIGNERS).write_text(allowed_signers_line(self.public_key) + "\n")
        if rotation is not None:
            (folder / layout.ROTATION).write_bytes(rotation[0])
            (folder / layout.ROTATION_SIGNATURE).write_text(rotation[1].strip() + "\n")

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


# --- OpenSSH signatures (SSHSIG), checkable with `ssh-keygen -Y verify` -------------------------------
# Format: openssh-portable PROTOCOL.sshsig. The signed blob is
#   "SSHSIG" || string(namespace) || string(reserved="") || string(hash_algorithm) || string(H(message))
# and the armored signature is "SSHSIG" || uint32(1) || string(publickey) || string(namespace)
#   || string(reserved) || string(hash_algorithm) || string(signature), base64 between BEGIN/END lines.

SSHSIG_NAMESPACE = "togetheros-release"
SSHSIG_PRINCIPAL = "togetheros-release-signer"
_SSHSIG_MAGIC = b"SSHSIG"
_SSHSIG_BEGIN = "-----BEGIN SSH SIGNATURE-----"
_SSHSIG_END = "-----END SSH SIGNATURE-----"
_ED25519 = b"ssh-ed25519"


def _ssh_string(data: bytes) -> bytes:
    return len(data).to_bytes(4, "big") + data


def _read_ssh_string(blob: bytes, offset: int) -> tuple[bytes, int]:
    if offset + 4 > len(blob):
        raise ValueError("truncated SSH string")
    length = int.from_bytes(blob[offset : offset + 4], "big")
    end = offset + 4 + length
    if end > len(blob):
        raise ValueError("truncated SSH string")
    return blob[offset + 4 : end], end


def ssh_public_key_blob(public_key: bytes) -> bytes:
    return _ssh_string(_ED25519) + _ssh_string(public_key)


def ssh_public_key_line(public_key: bytes, comment: str = "") -> str:
    """The key as an OpenSSH public key line: `ssh-ed25519 AAAA… comment`."""
    line = f"ssh-ed25519 {base64.b64encode(ssh_public_key_blob(public_key)).decode('ascii')}"
    return f"{line} {comment}".rstrip()


def allowed_signers_line(public_key: bytes, principal: str = SSHSIG_PRINCIPAL) -> str:
    """A line of an ssh-keygen allowed_signers file that trusts this key for release signatures only."""
    return f'{principal} namespaces="{SSHSIG_NAMESPACE}" {ssh_public_key_line(public_key)}'


def _sshsig_signed_data(message: bytes, namespace: str) -> bytes:
    return (
        _SSHSIG_MAGIC
        + _ssh_string(namespace.encode())
        + _ssh_string(b"")
        + _ssh_string(b"sha512")
        + _ssh_string(hashlib.sha512(message).digest())
    )


def sshsig_sign(seed: bytes, message: bytes, namespace: str = SSHSIG_NAMESPACE) -> str:
    """An armored OpenSSH signature of message, as `ssh-keygen -Y sign -n namespace` writes it."""
    key = SigningKey(seed)
    signature = key.sign(_sshsig_signed_data(message, namespace)).signature
    blob = (
        _SSHSIG_MAGIC
        + (1).to_bytes(4, "big")
        + _ssh_string(ssh_public_key_blob(bytes(key.verify_key)))
        + _ssh_string(namespace.encode())
        + _ssh_string(b"")
        + _ssh_string(b"sha512")
        + _ssh_string(_ssh_string(_ED25519) + _ssh_string(signature))
    )
    text = base64.b64encode(blob).decode("ascii")
    lines = [text[i : i + 70] for i in range(0, len(text), 70)]
    return "\n".join([_SSHSIG_BEGIN, *lines, _SSHSIG_END]) + "\n"


def sshsig_verify(armored: str, message: bytes, namespace: str = SSHSIG_NAMESPACE) -> bytes:
    """The ed25519 public key whose valid SSHSIG signature of message this is; ValueError otherwise."""
    lines = [line.strip() for line in armored.strip().splitlines()]
    if len(lines) < 3 or lines[0] != _SSHSIG_BEGIN or lines[-1] != _SSHSIG_END:
        raise ValueError("not an armored SSH signature (BEGIN/END SSH SIGNATURE lines)")
    try:
        blob = base64.b64decode("".join(lines[1:-1]), validate=True)
    except binascii.Error as error:
        raise ValueError(f"the SSH signature is not valid base64: {error}") from None
    if blob[:6] != _SSHSIG_MAGIC or blob[6:10] != (1).to_bytes(4, "big"):
        raise ValueError("not an SSHSIG version 1 signature")
    offset = 10
    fields = []
    for _ in range(5):
        value, offset = _read_ssh_string(blob, offset)
        fields.append(value)
    if offset != len(blob):
        raise ValueError("trailing bytes after the SSH signature")
    key_blob, signed_namespace, _reserved, hash_algorithm, signature_blob = fields
    key_type, rest = _read_ssh_string(key_blob, 0)
    public_key, end = _read_ssh_string(key_blob, rest)
    if key_type != _ED25519 or len(public_key) != 32 or end != len(key_blob):
        raise ValueError(f"the SSH signature's key is not an ed25519 key ({key_type.decode(errors='replace')})")
    if signed_namespace != namespace.encode():
        raise ValueError(f"the SSH signature is for namespace {signed_namespace!r}, not {namespace!r}")
    if hash_algorithm not in (b"sha256", b"sha512"):
        raise ValueError(f"unknown SSHSIG hash algorithm {hash_algorithm!r}")
    sig_type, rest = _read_ssh_string(signature_blob, 0)
    signature, end = _read_ssh_string(signature_blob, rest)
    if sig_type != _ED25519 or end != len(signature_blob):
        raise ValueError("the SSH signature is not an ed25519 signature")
    digest = getattr(hashlib, hash_algorithm.decode())(message).digest()
    signed = (
        _SSHSIG_MAGIC
        + _ssh_string(signed_namespace)
        + _ssh_string(_reserved)
        + _ssh_string(hash_algorithm)
        + _ssh_string(digest)
    )
    try:
        VerifyKey(public_key).verify(signed, signature)
    except (BadSignatureError, ValueError):
        raise ValueError("the SSH signature does not verify") from None
    return public_key


# --- Key rotation statements --------------------------------------------------------------------------
# A release signed by a key other than its predecessor's carries key-rotation.json, signed by the OLD key
# (key-rotation.json.sig, base64 ed25519 like datapackage.json.sig). The statement names both keys and the
# last release the old key signed, so it admits exactly one hand-over at exactly one place in the chain.

ROTATION_FORMAT = "togetheros-key-rotation/1"


@dataclass(frozen=True)
class Rotation:
    old_public_key: bytes
    new_public_key: bytes
    previous_id: str
    previous_descriptor_sha256: str
    created: str

    @property
    def old_key_id(self) -> str:
        return key_id(self.old_public_key)

    @property
    def new_key_id(self) -> str:
        return key_id(self.new_public_key)


def rotation_statement(
    old_key: SigningKeyConfig, new_public_key: bytes, previous_id: str, previous_descriptor_sha256: str, created: str
) -> tuple[bytes, str]:
    """The statement's bytes and its signature by the old key."""
    statement = {
        "format": ROTATION_FORMAT,
        "old_key": {"key_id": old_key.key_id, "public_key": base64.b64encode(old_key.public_key).decode("ascii")},
        "new_key": {"key_id": key_id(new_public_key), "public_key": base64.b64encode(new_public_key).decode("ascii")},
        "previous_release": {"id": previous_id, "descriptor_sha256": previous_descriptor_sha256},
        "created": created,
    }
    data = (json.dumps(statement, indent=2) + "\n").encode()
    return data, old_key.sign(data)


def rotation_file_names(old_key_id: str, new_key_id: str) -> tuple[str, str]:
    """Where a prepared statement waits in the rotations folder (the release carries it as key-rotation.json)."""
    return f"{old_key_id}-to-{new_key_id}.json", f"{old_key_id}-to-{new_key_id}.json.sig"


def _statement_key(part: object, label: str) -> bytes:
    if not isinstance(part, dict):
        raise ValueError(f"{label} is missing")
    key = parse_public_key(str(part.get("public_key", "")), label)
    if part.get("key_id") != key_id(key):
        raise ValueError(f"{label}.key_id {part.get('key_id')!r} is not the id of its public key ({key_id(key)})")
    return key


def parse_rotation(data: bytes, signature_b64: str) -> Rotation:
    """A rotation statement whose signature by its old key verifies; ValueError naming what is wrong."""
    try:
        statement = json.loads(data)
    except ValueError as error:
        raise ValueError(f"the rotation statement is not valid JSON: {error}") from None
    if not isinstance(statement, dict) or statement.get("format") != ROTATION_FORMAT:
        raise ValueError(f"the rotation statement's format is not {ROTATION_FORMAT!r}")
    old, new = _statement_key(statement.get("old_key"), "old_key"), _statement_key(statement.get("new_key"), "new_key")
    if old == new:
        raise ValueError("the rotation statement hands a key over to itself")
    previous = statement.get("previous_release")
    if not isinstance(previous, dict) or not previous.get("id") or not previous.get("descriptor_sha256"):
        raise ValueError("the rotation statement names no previous_release (id and descriptor_sha256)")
    if not signature_is_valid(data, signature_b64, old):
        raise ValueError(f"the rotation statement's signature does not verify with its old key {key_id(old)}")
    return Rotation(old, new, str(previous["id"]), str(previous["descriptor_sha256"]), str(statement.get("created")))


def prepare_rotation(old_key: SigningKeyConfig, new_key: SigningKeyConfig, releases_dir: Path) -> Path:
    """Write the statement handing old_key over to new_key after the `latest` release into new_key's
    rotations folder, where the writer picks it up for the next release; returns its path."""
    latest = releases_dir / "latest"
    descriptor_path = latest / "datapackage.json"
    if not descriptor_path.is_file():
        raise ValueError(f"{latest} is not a release: a first release needs no rotation, sign it with the new key")
    descriptor_bytes = descriptor_path.read_bytes()
    descriptor = json.loads(descriptor_bytes)
    signed_by = (descriptor.get("togetheros:signing") or {}).get("key_id")
    if signed_by != old_key.key_id:
        raise ValueError(f"the latest release {descriptor['id']} is signed by key {signed_by}, not by {old_key.key_id}")
    if new_key.rotations_dir is None:
        raise ValueError("the new key has no rotations folder")
    created = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    data, signature = rotation_statement(
        old_key, new_key.public_key, descriptor["id"], hashlib.sha256(descriptor_bytes).hexdigest(), created
    )
    statement_name, signature_name = rotation_file_names(old_key.key_id, new_key.key_id)
    new_key.rotations_dir.mkdir(parents=True, exist_ok=True)
    (new_key.rotations_dir / statement_name).write_bytes(data)
    (new_key.rotations_dir / signature_name).write_text(signature + "\n")
    return new_key.rotations_dir / statement_name


def rotate_key_main(argv: list[str] | None = None) -> int:
    """`togetheros rotate-key --old-key FILE`: hand the releases over from the key in FILE (a base64 seed, like
    data/keys/dev-signing.key) to the key configured now (TOGETHEROS_SIGNING_KEY)."""
    import argparse

    from pipelines.settings import Paths

    parser = argparse.ArgumentParser(prog="togetheros rotate-key", description=rotate_key_main.__doc__)
    parser.add_argument("--old-key", type=Path, required=True, help="file holding the old key's base64 seed")
    parser.add_argument("--data-dir", type=Path, default=None, help="data directory (default: TOGETHEROS_DATA_DIR)")
    args = parser.parse_args(argv)
    data_dir = args.data_dir.resolve() if args.data_dir else Paths.from_env(os.environ).data
    try:
        old_seed = _decode_seed(args.old_key.read_text(), str(args.old_key))
        new_key = SigningKeyConfig.from_env(os.environ, data_dir)
        old_key = SigningKeyConfig(seed=old_seed, development=False)
        if old_key.key_id == new_key.key_id:
            raise ValueError(f"the configured key is the old key {old_key.key_id}: set TOGETHEROS_SIGNING_KEY first")
        path = prepare_rotation(old_key, new_key, data_dir / "releases")
    except (OSError, ValueError) as error:
        print(f"cannot prepare the key rotation: {error}", file=sys.stderr)
        return 2
    print(f"key {old_key.key_id} hands over to {new_key.key_id}: {path}; the next release carries it")
    return 0
