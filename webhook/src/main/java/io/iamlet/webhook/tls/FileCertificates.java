package io.iamlet.webhook.tls;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The serving certificate from PEM files ({@code tls.crt}: leaf first, then intermediates; {@code tls.key}), as
 * cert-manager writes them into a mounted Secret. Re-read at every check, so a renewed certificate is served
 * without a restart; cert-manager's CA injector keeps the webhook configuration's {@code caBundle}.
 */
public record FileCertificates(Path certificateFile, Path keyFile) implements CertificateSource {

    @Override
    public KeyAndChain current() {
        try {
            var chain = CertificateAuthority.certificates(Files.readString(certificateFile));
            if (chain.isEmpty()) {
                throw new IllegalArgumentException("no certificate in " + certificateFile);
            }
            return new KeyAndChain(CertificateAuthority.privateKey(Files.readString(keyFile)), chain, List.of());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the serving certificate: " + e.getMessage(), e);
        }
    }
}
