package io.iamlet.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.iamlet.pods.PodIndex;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The server on real loopback sockets: binding, timeouts against slow clients, keep-alive, graceful stop. */
class HttpServerIT {

    /** TEST-NET-3: never assigned to this machine, so binding it fails. Only bound, never sent to. */
    private static final ListenAddress UNASSIGNED = ListenAddress.parse("203.0.113.1:0");
    private static final ListenAddress V4 = ListenAddress.parse("127.0.0.1:0");
    private static final ListenAddress V6 = ListenAddress.parse("[::1]:0");

    private static EventLoops loops;
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final List<HttpServer> servers = new ArrayList<>();

    /** Answers with the caller's source IP. */
    private static final Routes ECHO = Routes.builder()
            .get("/ip", "ip", r -> CompletableFuture.completedFuture(Response.text(200, r.sourceIp())))
            .build();

    @BeforeAll
    static void threads() {
        loops = EventLoops.create(1);
    }

    @AfterAll
    static void stopThreads() {
        loops.close();
    }

    @AfterEach
    void stopServers() {
        servers.forEach(s -> s.stop(Duration.ofSeconds(5)).join());
    }

    private HttpServer start(Routes routes, ServerLimits limits, ListenAddress... addresses) {
        return start("test", routes, limits, addresses);
    }

    /** Server names must differ per registry: each server registers a connection gauge tagged with its name. */
    private HttpServer start(String name, Routes routes, ServerLimits limits, ListenAddress... addresses) {
        HttpServer server = HttpServer.builder(name, routes, registry)
                .listen(addresses).limits(limits).eventLoops(loops).build();
        servers.add(server);
        server.start();
        return server;
    }

    /** Some CI containers run without IPv6; the dual-stack tests are skipped there, not failed. */
    private static void assumeIpv6Loopback() {
        try (var probe = new java.net.ServerSocket(0, 1, V6.address())) {
            assumeTrue(probe.isBound());
        } catch (IOException e) {
            assumeTrue(false, "no IPv6 loopback here: " + e.getMessage());
        }
    }

    @Test
    void bindsIpv4AndIpv6LoopbackTogetherAndSeesEachCallersAddress() throws Exception {
        assumeIpv6Loopback();
        HttpServer server = start(ECHO, ServerLimits.DEFAULTS, V4, V6);
        List<ListenAddress> bound = server.boundAddresses();
        assertThat(bound).hasSize(2).allSatisfy(a -> assertThat(a.port()).isPositive());
        try (var v4 = new RawClient(bound.get(0)); var v6 = new RawClient(bound.get(1))) {
            assertThat(v4.get("/ip").body()).isEqualTo("127.0.0.1");
            assertThat(v6.get("/ip").body()).isEqualTo(PodIndex.normalise("::1"));
        }
    }

    @Test
    void skipsAnAddressThatCannotBeBoundAndLogsWhy() throws Exception {
        ListAppender<ILoggingEvent> log = capture();
        HttpServer server = start(ECHO, ServerLimits.DEFAULTS, UNASSIGNED, V4);
        assertThat(server.boundAddresses()).singleElement()
                .satisfies(a -> assertThat(a.address()).isEqualTo(V4.address()));
        try (var client = new RawClient(server.boundAddresses().getFirst())) {
            assertThat(client.get("/ip").status()).isEqualTo(200);
        }
        ((Logger) LoggerFactory.getLogger(HttpServer.class)).detachAppender(log);
        assertThat(log.list).anySatisfy(e -> {
            assertThat(e.getLevel()).isEqualTo(Level.WARN);
            assertThat(e.getFormattedMessage()).contains("203.0.113.1:0").containsIgnoringCase("assign");
        });
    }

    @Test
    void failsToStartWhenNoAddressBinds() {
        HttpServer server = HttpServer.builder("lonely", ECHO, registry).listen(UNASSIGNED).eventLoops(loops).build();
        assertThatThrownBy(server::start)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("lonely could not listen on any address")
                .hasMessageContaining("203.0.113.1:0");
    }

    @Test
    void skipsAPortAlreadyTaken() throws Exception {
        assumeIpv6Loopback();
        HttpServer first = start(ECHO, ServerLimits.DEFAULTS, V4);
        ListenAddress taken = first.boundAddresses().getFirst();
        HttpServer second = start("second", ECHO, ServerLimits.DEFAULTS, taken, V6);
        assertThat(second.boundAddresses()).singleElement()
                .satisfies(a -> assertThat(a.address()).isEqualTo(V6.address()));
    }

    @Test
    void slowClientIsClosedAtTheReadTimeoutWhileOthersAreServed() throws Exception {
        var limits = ServerLimits.DEFAULTS.withReadTimeout(Duration.ofMillis(500));
        HttpServer server = start(ECHO, limits, V4);
        ListenAddress address = server.boundAddresses().getFirst();
        try (var slow = new RawClient(address)) {
            long opened = System.nanoTime();
            slow.send("GET /ip HTTP/1.1\r\nHost: test\r\nX-Half: "); // never finished
            try (var other = new RawClient(address)) {
                assertThat(other.get("/ip").status()).isEqualTo(200);
            }
            assertThat(slow.closedByServerWithin(5000)).isTrue();
            assertThat(System.nanoTime() - opened).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(500));
        }
    }

    @Test
    void keepAliveConnectionServesSequentialAndPipelinedRequests() throws Exception {
        HttpServer server = start(ECHO, ServerLimits.DEFAULTS, V4);
        try (var client = new RawClient(server.boundAddresses().getFirst())) {
            assertThat(client.get("/ip").status()).isEqualTo(200);
            assertThat(client.get("/ip").status()).isEqualTo(200);
            client.send("GET /ip HTTP/1.1\r\nHost: t\r\n\r\nGET /nope HTTP/1.1\r\nHost: t\r\n\r\n");
            assertThat(client.read().status()).isEqualTo(200);
            assertThat(client.read().status()).isEqualTo(404);
            assertThat(registry.get("iamlet.server.connections").tag("server", "test").gauge().value())
                    .isEqualTo(1.0);
        }
    }

    @Test
    void stopLetsTheRequestInProgressFinishRefusesNewConnectionsAndClosesIdleOnes() throws Exception {
        var pending = new AtomicReference<CompletableFuture<Response>>();
        Routes routes = Routes.builder().get("/slow", "slow", r -> {
            var f = new CompletableFuture<Response>();
            pending.set(f);
            return f;
        }).build();
        HttpServer server = start(routes, ServerLimits.DEFAULTS, V4);
        ListenAddress address = server.boundAddresses().getFirst();
        try (var busy = new RawClient(address); var idle = new RawClient(address)) {
            busy.send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n");
            await().atMost(5, TimeUnit.SECONDS).until(() -> pending.get() != null);

            CompletableFuture<Void> stopped = server.stop(Duration.ofSeconds(10));
            assertThat(idle.closedByServerWithin(5000)).isTrue();
            await().atMost(5, TimeUnit.SECONDS).untilAsserted(() ->
                    assertThatThrownBy(() -> new Socket(address.address(), address.port()).close())
                            .isInstanceOf(ConnectException.class));
            assertThat(stopped).isNotDone();

            pending.get().complete(Response.text(200, "finished")); // from this thread, not the event loop
            RawClient.Reply reply = busy.read();
            assertThat(reply.body()).isEqualTo("finished");
            assertThat(reply.header("Connection")).isEqualTo("close");
            stopped.get(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void stopClosesARequestStillStuckAfterTheTimeout() throws Exception {
        Routes routes = Routes.builder().get("/stuck", "stuck", r -> new CompletableFuture<>()).build();
        HttpServer server = start(routes, ServerLimits.DEFAULTS, V4);
        try (var client = new RawClient(server.boundAddresses().getFirst())) {
            client.send("GET /stuck HTTP/1.1\r\nHost: t\r\n\r\n");
            await().atMost(5, TimeUnit.SECONDS).until(() ->
                    registry.get("iamlet.server.connections").gauge().value() == 1.0);
            server.stop(Duration.ofMillis(200)).get(5, TimeUnit.SECONDS);
            assertThat(client.closedByServerWithin(5000)).isTrue();
        }
    }

    @Test
    void connectionsBeyondTheLimitAreClosedAtOnce() throws Exception {
        HttpServer server = start(ECHO, ServerLimits.DEFAULTS.withMaxConnections(2), V4);
        ListenAddress address = server.boundAddresses().getFirst();
        try (var a = new RawClient(address); var b = new RawClient(address)) {
            assertThat(a.get("/ip").status()).isEqualTo(200);
            assertThat(b.get("/ip").status()).isEqualTo(200);
            try (var c = new RawClient(address)) {
                assertThat(c.closedByServerWithin(5000)).isTrue();
            }
            assertThat(registry.get("iamlet.server.connections.rejected").tag("reason", "listener").counter().count())
                    .isEqualTo(1.0);
            assertThat(a.get("/ip").status()).isEqualTo(200);
        }
        await().atMost(5, TimeUnit.SECONDS).until(() ->
                registry.get("iamlet.server.connections").gauge().value() == 0.0);
        try (var d = new RawClient(address); var e = new RawClient(address)) {
            assertThat(d.get("/ip").status()).as("room again once clients left").isEqualTo(200);
            assertThat(e.get("/ip").status()).isEqualTo(200);
        }
    }

    @Test
    void oneSourceHoldingItsMaximumOfSlowConnectionsDoesNotStopAnotherSource() throws Exception {
        var limits = ServerLimits.DEFAULTS.withMaxConnectionsPerSource(3);
        HttpServer server = start(ECHO, limits, V4);
        ListenAddress address = server.boundAddresses().getFirst();
        InetAddress podA = InetAddress.ofLiteral("127.0.0.2");
        List<RawClient> slow = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                slow.add(new RawClient(address, podA).send("GET /ip HTTP/1.1\r\nHost: test\r\nX-Half: "));
            }
            try (var oneTooMany = new RawClient(address, podA)) {
                assertThat(oneTooMany.closedByServerWithin(5000)).as("refused at once").isTrue();
            }
            try (var podB = new RawClient(address)) {
                assertThat(podB.get("/ip").body()).isEqualTo("127.0.0.1");
            }
            assertThat(registry.get("iamlet.server.connections.rejected").tag("reason", "per_source").counter()
                    .count()).isEqualTo(1.0);
            for (RawClient s : slow) {
                assertThat(s.closedByServerWithin(100)).as("the slow ones are still held").isFalse();
            }
            slow.removeFirst().close();
            await().atMost(5, TimeUnit.SECONDS).ignoreExceptions().untilAsserted(() -> {
                try (var again = new RawClient(address, podA)) {
                    assertThat(again.get("/ip").body()).as("room again for pod A").isEqualTo("127.0.0.2");
                }
            });
        } finally {
            for (RawClient s : slow) {
                s.close();
            }
        }
    }

    private static ListAppender<ILoggingEvent> capture() {
        var appender = new ListAppender<ILoggingEvent>();
        appender.start();
        ((Logger) LoggerFactory.getLogger(HttpServer.class)).addAppender(appender);
        return appender;
    }
}
