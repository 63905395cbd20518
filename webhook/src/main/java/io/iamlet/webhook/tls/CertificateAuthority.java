package io.iamlet.webhook.tls;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.util.io.pem.PemGenerationException;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A small private CA for the webhook's serving certificate: ECDSA P-256 keys, SHA-256 signatures. BouncyCastle only
 * builds and encodes the certificates (the JDK has no public API for writing one); keys, signatures and parsing use
 * the JDK's own providers, and BouncyCastle is never registered as a security provider.
 *
 * @param certificate the CA certificate, which goes into the webhook configuration's {@code caBundle}
 */
public record CertificateAuthority(PrivateKey key, X509Certificate certificate) {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String SIGNATURE = "SHA256withECDSA";

    /** A new self-signed CA valid from {@code now} (minus a little clock skew) to {@code notAfter}. */
    public static CertificateAuthority create(String commonName, Instant now, Instant notAfter) {
        KeyPair pair = newKeyPair();
        X500Name name = new X500Name("CN=" + commonName);
        try {
            var extensions = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, serial(), notBefore(now),
                    Date.from(notAfter), name, pair.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(Extension.subjectKeyIdentifier, false,
                            extensions.createSubjectKeyIdentifier(pair.getPublic()));
            return new CertificateAuthority(pair.getPrivate(), sign(builder, pair.getPrivate()));
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("could not create the webhook's CA certificate", e);
        }
    }

    /**
     * A serving certificate for {@code dnsNames} (and {@code ipAddresses}, for tests on loopback), signed by this CA,
     * valid until {@code notAfter} but never beyond the CA.
     */
    public KeyAndChain issue(List<String> dnsNames, List<InetAddress> ipAddresses, Instant now, Instant notAfter) {
        KeyPair pair = newKeyPair();
        Instant end = notAfter.isAfter(certificate.getNotAfter().toInstant())
                ? certificate.getNotAfter().toInstant() : notAfter;
        List<GeneralName> names = new ArrayList<>();
        dnsNames.forEach(dns -> names.add(new GeneralName(GeneralName.dNSName, dns)));
        ipAddresses.forEach(ip -> names.add(new GeneralName(GeneralName.iPAddress, ip.getHostAddress())));
        String commonName = dnsNames.isEmpty() ? ipAddresses.getFirst().getHostAddress() : dnsNames.getFirst();
        try {
            var extensions = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(certificate, serial(), notBefore(now),
                    Date.from(end), new X500Name("CN=" + commonName), pair.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth))
                    .addExtension(Extension.subjectAlternativeName, false,
                            new GeneralNames(names.toArray(GeneralName[]::new)))
                    .addExtension(Extension.authorityKeyIdentifier, false,
                            extensions.createAuthorityKeyIdentifier(certificate))
                    .addExtension(Extension.subjectKeyIdentifier, false,
                            extensions.createSubjectKeyIdentifier(pair.getPublic()));
            return new KeyAndChain(pair.getPrivate(), List.of(sign(builder, key)), List.of(certificate));
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("could not issue the webhook's serving certificate", e);
        }
    }

    /** PEM text of certificates, in order. */
    public static String pem(List<X509Certificate> certificates) {
        return write(certificates.toArray());
    }

    /** PKCS#8 PEM text of a private key. */
    public static String pem(PrivateKey key) {
        try {
            return write(new JcaPKCS8Generator(key, null));
        } catch (PemGenerationException e) {
            throw new IllegalStateException("could not encode the private key", e);
        }
    }

    /** Every certificate in a PEM text, in order. */
    public static List<X509Certificate> certificates(String pem) {
        List<X509Certificate> found = new ArrayList<>();
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            var converter = new JcaX509CertificateConverter();
            for (Object item = parser.readObject(); item != null; item = parser.readObject()) {
                if (item instanceof X509CertificateHolder holder) {
                    found.add(converter.getCertificate(holder));
                }
            }
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("not a PEM certificate: " + e.getClass().getSimpleName());
        }
        return List.copyOf(found);
    }

    /** The private key in a PEM text (PKCS#8, or SEC1 "EC PRIVATE KEY" as other tools write it). */
    public static PrivateKey privateKey(String pem) {
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            var converter = new JcaPEMKeyConverter();
            for (Object item = parser.readObject(); item != null; item = parser.readObject()) {
                if (item instanceof PrivateKeyInfo info) {
                    return converter.getPrivateKey(info);
                }
                if (item instanceof PEMKeyPair pair) {
                    return converter.getKeyPair(pair).getPrivate();
                }
            }
        } catch (IOException e) {
            // the message could quote key material: name the problem only
            throw new IllegalArgumentException("not a PEM private key: " + e.getClass().getSimpleName());
        }
        throw new IllegalArgumentException("no private key in the PEM text");
    }

    private static String write(Object... items) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            for (Object item : items) {
                writer.writeObject(item);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey signer)
            throws GeneralSecurityException {
        try {
            return new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder(SIGNATURE).build(signer)));
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException(e);
        }
    }

    private static KeyPair newKeyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK cannot generate P-256 keys", e);
        }
    }

    private static BigInteger serial() {
        return new BigInteger(127, RANDOM).add(BigInteger.ONE);
    }

    /** An hour back: an API server whose clock runs a little behind still accepts a certificate made just now. */
    private static Date notBefore(Instant now) {
        return Date.from(now.minusSeconds(3600));
    }
}
