package io.iamlet.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.iamlet.deploy.LauncherRun.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The image launcher with the real JVM and the production jar, which exists only once the module is packaged. */
class AotCacheIT {
    @TempDir
    Path javaHome;

    /**
     * With the real JVM: a cache the launcher trains is one the launcher's own flags can use (-XX:AOTMode=on makes
     * the JVM fail rather than run without it), and once the jar changes the cache is left out with a line on stderr
     * only (by the launcher: JDK 25.0.3 would run the stale cache's classes, JDK-8377932): serve still starts, and
     * stdout (the JSON log) carries nothing of it.
     */
    @Test
    void trainedCacheMatchesTheLauncherAndAStaleOneOnlyWarns() throws Exception {
        LauncherRun.linkRealJava(javaHome);
        Path jar = Files.copy(Repo.path("agent/target/iamlet.jar"), javaHome.resolve("iamlet.jar"));
        Path cache = javaHome.resolve("iamlet.aot");

        Result training = LauncherRun.run(javaHome,
                Map.of("IAMLET_JAR", jar.toString(), "IAMLET_AOT_CACHE_OUTPUT", cache.toString()), "serve", "--help");
        assertThat(training.exit()).as(training.stderr()).isZero();
        assertThat(cache).isNotEmptyFile();

        Result strict = LauncherRun.run(javaHome, Map.of("IAMLET_JAR", jar.toString(),
                "IAMLET_AOT_CACHE", cache.toString(), "JAVA_OPTS", "-XX:AOTMode=on"), "serve", "--help");
        assertThat(strict.exit()).as(strict.stderr()).isZero();
        assertThat(strict.stderr()).doesNotContain("error");

        Files.setLastModifiedTime(jar, FileTime.from(Instant.now().plusSeconds(60)));
        Result stale = LauncherRun.run(javaHome,
                Map.of("IAMLET_JAR", jar.toString(), "IAMLET_AOT_CACHE", cache.toString()), "serve", "--help");
        assertThat(stale.exit()).as(stale.stderr()).isZero();
        assertThat(stale.stderr()).contains("AOT cache");
        assertThat(stale.stdout()).isEqualTo(strict.stdout()).contains("Usage: iamlet serve");
    }
}
