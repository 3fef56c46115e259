"""A test certificate authority made in-process with ``cryptography``: a root, the
secretary's signing certificate (and its PKCS#12), a time-stamp authority for
pyHanko's DummyTimeStamper, and another root nobody trusts. No network."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPrivateKeyTypes as Key
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

PASSWORD = "clave-de-prueba"
SIGNER_NAME = "Jordi Puig Roca"
CRL_URL = "http://crl.plenaria.invalid/ca.crl"  # never fetched: the tests hand the CRL over


def _name(common: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "ES"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Ayuntamiento de Villaprueba"),
            x509.NameAttribute(NameOID.COMMON_NAME, common),
        ]
    )


def _cert(
    subject: str,
    key: Key,
    issuer: tuple[x509.Name, Key] | None,
    *,
    ca: bool = False,
    usage: x509.ObjectIdentifier | None = None,
) -> x509.Certificate:
    now = datetime.now(UTC) - timedelta(days=1)
    issuer_name, issuer_key = issuer or (_name(subject), key)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if issuer is not None:
        aki = x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key())
        point = x509.DistributionPoint([x509.UniformResourceIdentifier(CRL_URL)], None, None, None)
        builder = builder.add_extension(aki, critical=False).add_extension(
            x509.CRLDistributionPoints([point]), critical=False
        )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), True
        )
    else:
        builder = builder.add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False), True
        )
    if usage is not None:
        builder = builder.add_extension(x509.ExtendedKeyUsage([usage]), critical=True)
    return builder.sign(issuer_key, hashes.SHA256())


@dataclass(frozen=True)
class Pki:
    root_pem: bytes
    pkcs12: bytes
    tsa_cert: x509.Certificate
    tsa_key: rsa.RSAPrivateKey  # pyHanko's DummyTimeStamper signs with RSA only
    root: x509.Certificate
    other_pkcs12: bytes  # a certificate of a root nobody trusts
    crl_der: bytes  # the test CA's current CRL (nothing revoked), for PAdES-B-LT

    def write_crl(self, folder: Path) -> Path:
        path = folder / "ca-prueba.crl"
        path.write_bytes(self.crl_der)
        return path

    def write_root(self, folder: Path) -> Path:
        path = folder / "raiz-prueba.pem"
        path.write_bytes(self.root_pem)
        return path

    def timestamper(self) -> object:
        """pyHanko's in-process TSA, signing with the test TSA certificate (tests only)."""
        from asn1crypto import keys as asn1_keys
        from asn1crypto import x509 as asn1_x509
        from pyhanko.sign.timestamps import DummyTimeStamper
        from pyhanko_certvalidator.registry import SimpleCertificateStore

        der = lambda c: c.public_bytes(serialization.Encoding.DER)  # noqa: E731
        key = self.tsa_key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        return DummyTimeStamper(
            tsa_cert=asn1_x509.Certificate.load(der(self.tsa_cert)),
            tsa_key=asn1_keys.PrivateKeyInfo.load(key),
            certs_to_embed=SimpleCertificateStore.from_certs(
                [asn1_x509.Certificate.load(der(self.root))]
            ),
        )


def make_pki() -> Pki:
    root_key = ec.generate_private_key(ec.SECP256R1())
    root = _cert("CA de prueba de Plenaria", root_key, None, ca=True)
    issuer = (root.subject, root_key)
    signer_key = ec.generate_private_key(ec.SECP256R1())
    signer = _cert(SIGNER_NAME, signer_key, issuer)
    tsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    tsa = _cert("TSA de prueba", tsa_key, issuer, usage=ExtendedKeyUsageOID.TIME_STAMPING)
    other_key = ec.generate_private_key(ec.SECP256R1())
    other_root = _cert("CA ajena", other_key, None, ca=True)
    stranger_key = ec.generate_private_key(ec.SECP256R1())
    stranger = _cert("Firmante ajeno", stranger_key, (other_root.subject, other_key))
    enc = serialization.BestAvailableEncryption(PASSWORD.encode())
    now = datetime.now(UTC) - timedelta(hours=1)
    crl = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(root.subject)
        .last_update(now)
        .next_update(now + timedelta(days=7))
        .add_extension(x509.CRLNumber(1), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), False
        )
        .sign(root_key, hashes.SHA256())
    )
    return Pki(
        root_pem=root.public_bytes(serialization.Encoding.PEM),
        pkcs12=pkcs12.serialize_key_and_certificates(b"firma", signer_key, signer, [root], enc),
        tsa_cert=tsa,
        tsa_key=tsa_key,
        root=root,
        other_pkcs12=pkcs12.serialize_key_and_certificates(
            b"ajena", stranger_key, stranger, [other_root], enc
        ),
        crl_der=crl.public_bytes(serialization.Encoding.DER),
    )
