package io.iamlet.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The leak check the pipeline tests rely on must be able to fail. */
class PipelineHarnessTest {

    @Test
    void finishReportsABufferThePipelineAllocatedAndKept() throws Exception {
        var h = new PipelineHarness(Routes.builder()
                .get("/ok", "ok", r -> CompletableFuture.completedFuture(Response.text(200, "")))
                .build());
        h.send("GET /ok HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(h.reply().status()).isEqualTo(200);
        var kept = h.channel.alloc().buffer(16); // as a leaking handler would
        assertThat(h.finish()).isTrue();
        kept.release();
    }
}
