package io.iamlet.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.classfile.Attributes;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.MethodModel;
import java.lang.classfile.attribute.CodeAttribute;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What the build ships for the image: one jar for both architectures, its classes without local-variable tables,
 * and an SBOM that lists exactly the libraries inside it (CycloneDX, written by the build's package phase; the plugin needs Maven online, as CI runs it).
 */
class ProductionArtifactIT {

    @Test
    void theJarCarriesNettysEpollLibraryForBothImageArchitectures() throws IOException {
        try (ZipFile jar = new ZipFile(Repo.path("agent/target/iamlet.jar").toFile())) {
            assertThat(jar.getEntry("META-INF/native/libnetty_transport_native_epoll_x86_64.so")).isNotNull();
            assertThat(jar.getEntry("META-INF/native/libnetty_transport_native_epoll_aarch_64.so")).isNotNull();
        }
    }

    /**
     * The build drops local-variable tables (agent/build/StripLocalVariableTables.java) and nothing else: no class
     * keeps one, and iamlet's own classes have the bytecode and line numbers the compiler gave them (the module's
     * jar before shading, original-iamlet.jar), so stack traces in the log still name files and lines.
     */
    @Test
    void theJarsClassesKeepTheirBytecodeAndLineNumbersButNoLocalVariableTables() throws IOException {
        List<String> withTables = new ArrayList<>();
        int classes = 0;
        try (ZipFile jar = new ZipFile(Repo.path("agent/target/iamlet.jar").toFile());
             ZipFile compiled = new ZipFile(Repo.path("agent/target/original-iamlet.jar").toFile())) {
            for (ZipEntry entry : jar.stream().filter(e -> e.getName().endsWith(".class")).toList()) {
                classes++;
                ClassModel model = ClassFile.of().parse(jar.getInputStream(entry).readAllBytes());
                if (codes(model).stream().anyMatch(code -> code.findAttribute(Attributes.localVariableTable())
                        .isPresent() || code.findAttribute(Attributes.localVariableTypeTable()).isPresent())) {
                    withTables.add(entry.getName());
                }
            }
            List<? extends ZipEntry> ours = compiled.stream().filter(e -> e.getName().startsWith("io/iamlet/")
                    && e.getName().endsWith(".class")).toList();
            assertThat(ours).hasSizeGreaterThan(100);
            for (ZipEntry entry : ours) {
                ClassModel before = ClassFile.of().parse(compiled.getInputStream(entry).readAllBytes());
                ClassModel after = ClassFile.of().parse(jar.getInputStream(jar.getEntry(entry.getName()))
                        .readAllBytes());
                assertThat(after.findAttribute(Attributes.sourceFile())).as(entry.getName()).isPresent();
                assertThat(shape(after)).as(entry.getName()).isEqualTo(shape(before));
            }
        }
        assertThat(classes).isGreaterThan(5_000);
        assertThat(withTables).isEmpty();
    }

    private static List<CodeAttribute> codes(ClassModel model) {
        return model.methods().stream().flatMap(m -> m.findAttribute(Attributes.code()).stream()).toList();
    }

    /** Each method's name, type, bytecode and line numbers. */
    private static List<String> shape(ClassModel model) {
        List<String> shape = new ArrayList<>();
        for (MethodModel method : model.methods()) {
            shape.add(method.methodName().stringValue() + method.methodType().stringValue());
            method.findAttribute(Attributes.code()).ifPresent(code -> {
                shape.add(HexFormat.of().formatHex(code.codeArray()));
                code.findAttributes(Attributes.lineNumberTable()).forEach(table -> table.lineNumbers()
                        .forEach(line -> shape.add(line.startPc() + ":" + line.lineNumber())));
            });
        }
        return shape;
    }

    @Test
    void theSbomListsExactlyTheLibrariesInsideTheJar() throws IOException {
        var sbomFile = Repo.path("agent/target/iamlet-sbom.json");
        assertThat(sbomFile).as("the CycloneDX SBOM (cyclonedx-maven-plugin skips it when Maven runs offline: "
                + "build once online)").exists();
        JsonNode sbom = JsonMapper.builder().build().readTree(sbomFile.toFile());
        assertThat(sbom.path("bomFormat").asString()).isEqualTo("CycloneDX");
        assertThat(sbom.path("metadata").path("component").path("name").asString()).isEqualTo("iamlet-agent");

        Set<String> listed = new TreeSet<>();
        for (JsonNode component : sbom.path("components")) {
            listed.add(component.path("group").asString() + ":" + component.path("name").asString());
            assertThat(component.path("purl").asString()).startsWith("pkg:maven/");
            assertThat(component.path("hashes")).as(component.path("name").asString() + " hashes").isNotEmpty();
        }
        Set<String> inside = new TreeSet<>();
        try (ZipFile jar = new ZipFile(Repo.path("agent/target/iamlet.jar").toFile())) {
            jar.stream().map(entry -> entry.getName())
                    .filter(name -> name.startsWith("META-INF/maven/") && name.endsWith("/pom.properties"))
                    .map(name -> name.split("/"))
                    .filter(parts -> parts.length == 5)
                    .map(parts -> parts[2] + ":" + parts[3])
                    .filter(coordinates -> !coordinates.startsWith("io.iamlet:"))
                    .forEach(inside::add);
        }
        // Every library shaded in is listed, except copies that libraries themselves embed under their own package
        // (nimbus-jose-jwt's gson and jcip-annotations, netty-common's JCTools): CycloneDX lists Maven dependencies,
        // and docs/security.md names these. A new unlisted library fails here.
        Set<String> unlisted = new TreeSet<>(inside);
        unlisted.removeAll(listed);
        assertThat(unlisted).containsExactlyInAnyOrder("com.google.code.gson:gson",
                "com.github.stephenc.jcip:jcip-annotations", "org.jctools:jctools-core", "org.jctools:jctools-core-jdk11");
        assertThat(listed).noneMatch(c -> c.startsWith("org.junit") || c.startsWith("org.assertj")
                || c.startsWith("io.iamlet:iamlet-standins") || c.contains("kubernetes-server-mock")
                || c.startsWith("org.openjdk.jmh"));
    }
}
