package io.iamlet.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertFalse;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The per-listener and per-source connection caps on EmbeddedChannels sharing one listener, on the fake clock. */
class ConnectionCapTest {

    private static final InetSocketAddress POD_A = peer("10.0.0.7", 40001);
    private static final InetSocketAddress POD_B = peer("10.0.0.8", 40001);
    private static final String HALF_REQUEST = "GET /ok HTTP/1.1\r\nHost: x\r\nX-Slow: ";

    private final List<PipelineHarness> connections = new ArrayList<>();
    private final ListAppender<ILoggingEvent> log = new ListAppender<>();

    private static Routes okRoutes() {
        return Routes.builder()
                .get("/ok", "ok", r -> CompletableFuture.completedFuture(Response.text(200, "fine")))
                .build();
    }

    private static InetSocketAddress peer(String ip, int port) {
        return new InetSocketAddress(InetAddress.ofLiteral(ip), port);
    }

    private static PipelineHarness.Listener listener(int maxConnections, int perSource) {
        return new PipelineHarness.Listener(okRoutes(), ServerLimits.DEFAULTS.withMaxConnections(maxConnections)
                .withMaxConnectionsPerSource(perSource), null);
    }

    private PipelineHarness connect(PipelineHarness.Listener listener, InetSocketAddress peer) throws Exception {
        PipelineHarness h = listener.connect(peer);
        connections.add(h);
        return h;
    }

    private static double rejected(PipelineHarness.Listener listener, String reason) {
        return listener.registry.get("iamlet.server.connections.rejected").tag("reason", reason).counter().count();
    }

    @AfterEach
    void closeEverything() {
        ((Logger) LoggerFactory.getLogger(ConnectionCap.class)).detachAppender(log);
        for (PipelineHarness h : connections) {
            assertFalse(h.finish());
        }
    }

    @Test
    void sourceHoldingItsMaximumOfSlowConnectionsDoesNotStopAnotherSourcesRequests() throws Exception {
        var listener = listener(1024, 3);
        List<PipelineHarness> slow = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            PipelineHarness h = connect(listener, peer("10.0.0.7", 40001 + i));
            h.send(HALF_REQUEST);
            slow.add(h);
        }
        PipelineHarness oneTooMany = connect(listener, peer("10.0.0.7", 40010));
        assertThat(oneTooMany.channel.isOpen()).as("closed at once, before anything is read").isFalse();
        assertThat(rejected(listener, "per_source")).isEqualTo(1.0);

        PipelineHarness other = connect(listener, POD_B);
        other.send("GET /ok HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(other.reply().status()).isEqualTo(200);
        assertThat(slow).allSatisfy(h -> assertThat(h.channel.isOpen()).isTrue());
        assertThat(rejected(listener, "listener")).isZero();
    }

    @Test
    void sourceGetsRoomBackAsItsConnectionsCloseAndNothingStaysBehind() throws Exception {
        var listener = listener(1024, 2);
        PipelineHarness first = connect(listener, POD_A);
        PipelineHarness second = connect(listener, peer("10.0.0.7", 40002));
        first.send(HALF_REQUEST);
        assertThat(connect(listener, peer("10.0.0.7", 40003)).channel.isOpen()).isFalse();

        first.advance(ServerLimits.DEFAULTS.readTimeout().toMillis()); // the slowloris is closed at the deadline
        second.advance(0);
        assertThat(first.channel.isOpen()).isFalse();
        assertThat(second.channel.isOpen()).as("idle as long, closed by the same deadline").isFalse();
        assertThat(listener.cap.sourcesTracked()).isZero();

        PipelineHarness again = connect(listener, peer("10.0.0.7", 40004));
        again.send("GET /ok HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(again.reply().status()).isEqualTo(200);
        assertThat(listener.cap.openFrom(POD_A.getAddress())).isEqualTo(1);
        again.channel.close();
        assertThat(listener.cap.sourcesTracked()).isZero();
    }

    @Test
    void ipv4MappedIpv6SourceCountsAsItsIpv4Address() throws Exception {
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xff;
        mapped[11] = (byte) 0xff;
        System.arraycopy(POD_A.getAddress().getAddress(), 0, mapped, 12, 4);
        var mappedPeer = new InetSocketAddress(Inet6Address.getByAddress(null, mapped, -1), 40002);
        assertThat(mappedPeer.getAddress()).isInstanceOf(Inet6Address.class);

        var listener = listener(1024, 1);
        assertThat(connect(listener, POD_A).channel.isOpen()).isTrue();
        assertThat(connect(listener, mappedPeer).channel.isOpen()).as("the same pod over the dual-stack socket")
                .isFalse();
        assertThat(connect(listener, POD_B).channel.isOpen()).isTrue();
        assertThat(listener.cap.openFrom(mappedPeer.getAddress())).isEqualTo(1);
    }

    @Test
    void listenerCapRefusesWhateverTheSourceAndCountsItsOwnReason() throws Exception {
        var listener = listener(2, 2);
        assertThat(connect(listener, POD_A).channel.isOpen()).isTrue();
        assertThat(connect(listener, POD_B).channel.isOpen()).isTrue();
        assertThat(connect(listener, peer("10.0.0.9", 40001)).channel.isOpen()).isFalse();
        assertThat(rejected(listener, "listener")).isEqualTo(1.0);
        assertThat(rejected(listener, "per_source")).isZero();
        assertThat(listener.cap.sourcesTracked()).as("per-source limit not below the total: nothing tracked")
                .isZero();
    }

    @Test
    void refusalsAreLoggedOncePerSourcePerIntervalAndAllCounted() throws Exception {
        log.start();
        ((Logger) LoggerFactory.getLogger(ConnectionCap.class)).addAppender(log);
        var listener = listener(1024, 1);
        connect(listener, POD_A);
        connect(listener, POD_B);
        for (int i = 0; i < 50; i++) {
            connect(listener, peer("10.0.0.7", 41000 + i));
        }
        connect(listener, peer("10.0.0.8", 41000));
        assertThat(rejected(listener, "per_source")).isEqualTo(51.0);
        assertThat(log.list).extracting(ILoggingEvent::getFormattedMessage)
                .satisfiesExactly(a -> assertThat(a).startsWith("refusing connections from 10.0.0.7: it has 1 open"),
                        b -> assertThat(b).startsWith("refusing connections from 10.0.0.8: it has 1 open"));

        listener.ticker.advance(ConnectionCap.LOG_INTERVAL.toMillis() - 1000, TimeUnit.MILLISECONDS);
        connect(listener, peer("10.0.0.7", 42000));
        assertThat(log.list).hasSize(2);
        listener.ticker.advance(1, TimeUnit.SECONDS);
        connect(listener, peer("10.0.0.7", 42001));
        assertThat(log.list).hasSize(3);
        assertThat(rejected(listener, "per_source")).isEqualTo(53.0);
    }
}
