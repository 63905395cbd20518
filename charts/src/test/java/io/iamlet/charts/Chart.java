package io.iamlet.charts;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import io.iamlet.deploy.Repo;
import io.iamlet.deploy.StrictManifests;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * charts/iamlet through Helm's own engine (helm-java: Helm as a native library, no helm binary, no cluster), as
 * {@code helm template iamlet charts/iamlet -n iamlet-system -f values.yaml} renders it. Values are passed as a
 * values file, so lists and maps keep their types. Each distinct set of values is rendered once per test JVM.
 */
final class Chart {
    static final String RELEASE = "iamlet";
    static final String NAMESPACE = "iamlet-system";
    static final Path DIRECTORY = Repo.path("charts/iamlet");

    private static final Map<Map<String, Object>, String> RENDERED = new ConcurrentHashMap<>();

    private Chart() {}

    /** The rendered manifests; throws IllegalStateException with Helm's message (schema errors included). */
    static String render(Map<String, Object> values) {
        return RENDERED.computeIfAbsent(values, Chart::template);
    }

    static LintResult lintStrict() {
        return new Helm(DIRECTORY).lint().strict().call();
    }

    private static String template(Map<String, Object> values) {
        try {
            Path file = Files.createTempFile("iamlet-values", ".yaml");
            try {
                Files.writeString(file, StrictManifests.MAPPER.writeValueAsString(values));
                return new Helm(DIRECTORY).template().withName(RELEASE).withNamespace(NAMESPACE)
                        .withValuesFile(file).call();
            } finally {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
