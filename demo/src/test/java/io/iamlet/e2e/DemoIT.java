package io.iamlet.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The README's run command works as written: the packaged jar, started by bin/iamlet as a separate process, runs
 * the demo, and the real SDK in it obtains the demo role's credentials through iamlet.
 */
class DemoIT {

    @Test
    void readmeRunCommandShowsTheSdkObtainingCredentials() throws Exception {
        Path repo = Path.of("..").toAbsolutePath().normalize();
        Process process = new ProcessBuilder(repo.resolve("bin/iamlet").toString(), "demo", "--exit")
                .directory(repo.toFile()).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        boolean done = process.waitFor(120, TimeUnit.SECONDS);
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!done) {
            process.destroyForcibly();
        }
        assertThat(done).as(output).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        assertThat(output).contains("The AWS SDK for Java v2 (ContainerCredentialsProvider) as pod shop/web-1")
                .contains("sts:GetCallerIdentity with them -> arn:aws:sts::111122223333:assumed-role/demo-web/shop.web")
                .contains("Try next").contains("curl -s -H \"Authorization: $(cat ")
                .doesNotContain("Exception");
    }
}
