"""A throwaway PKI for mutual TLS in tests: a CA, a server certificate for 127.0.0.1 and a
client certificate (what a PSP issues to the company), written as PEM files."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from ipaddress import IPv4Address
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


@dataclass(frozen=True)
class Pki:
    ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path
    stranger_cert: Path  # signed by another CA: the server must refuse it
    stranger_key: Path


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _write_key(key: ec.EllipticCurvePrivateKey, path: Path) -> Path:
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return path


def _issue(
    common: str,
    issuer: x509.Name,
    issuer_key: ec.EllipticCurvePrivateKey,
    *,
    usage: x509.ObjectIdentifier | None = None,
    ca: bool = False,
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(common))
        .issuer_name(issuer if not ca else _name(common))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if usage is not None:
        builder = builder.add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
    if usage == ExtendedKeyUsageOID.SERVER_AUTH:
        builder = builder.add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(IPv4Address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
    signer = key if ca else issuer_key
    return builder.sign(signer, hashes.SHA256()), key


def _pem(cert: x509.Certificate, path: Path) -> Path:
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return path


def make_pki(directory: Path) -> Pki:
    ca_cert, ca_key = _issue("Fake PSP CA", _name("Fake PSP CA"), None, ca=True)  # type: ignore[arg-type]
    server, server_key = _issue(
        "127.0.0.1", ca_cert.subject, ca_key, usage=ExtendedKeyUsageOID.SERVER_AUTH
    )
    client, client_key = _issue(
        "portal-client", ca_cert.subject, ca_key, usage=ExtendedKeyUsageOID.CLIENT_AUTH
    )
    other_ca, other_key = _issue("Other CA", _name("Other CA"), None, ca=True)  # type: ignore[arg-type]
    stranger, stranger_key = _issue(
        "stranger", other_ca.subject, other_key, usage=ExtendedKeyUsageOID.CLIENT_AUTH
    )
    return Pki(
        ca=_pem(ca_cert, directory / "ca.pem"),
        server_cert=_pem(server, directory / "server.pem"),
        server_key=_write_key(server_key, directory / "server.key"),
        client_cert=_pem(client, directory / "client.pem"),
        client_key=_write_key(client_key, directory / "client.key"),
        stranger_cert=_pem(stranger, directory / "stranger.pem"),
        stranger_key=_write_key(stranger_key, directory / "stranger.key"),
    )
