package io.iamlet.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * An STS stand-in (on 127.0.0.1 unless told otherwise) speaking the Query protocol ({@code Version=2011-06-15}) and STS's XML, errors
 * included, for tests and demos. Plain JDK ({@code com.sun.net.httpserver}), no other dependency.
 *
 * <ul>
 *   <li>{@code AssumeRole} and {@code GetCallerIdentity} must carry a valid SigV4 signature by the node key
 *       ({@link #NODE_ACCESS_KEY_ID}/{@link #NODE_SECRET_ACCESS_KEY}) or by credentials FakeSts issued (with their
 *       session token, unexpired); otherwise 403 {@code SignatureDoesNotMatch}, {@code InvalidClientTokenId} or
 *       {@code ExpiredToken}. So an SDK holding served credentials can prove which role it got.</li>
 *   <li>{@code AssumeRoleWithWebIdentity} must be unsigned, and its token pass {@link #acceptTokens}.</li>
 *   <li>Role chaining: {@code AssumeRole} signed by credentials FakeSts issued is recorded as a
 *       {@link FakeStsChain} ({@link #chains}); as with STS, it may ask for at most one hour, and a target role
 *       given {@link #requireExternalId} answers 403 {@code AccessDenied} without that ExternalId.</li>
 *   <li>Every call gets distinct credentials whose access key id encodes the role:
 *       {@code ASIA} + 4-digit role number + 12-digit serial; see {@link #roleOf} and {@link #keysIssuedFor}.</li>
 *   <li>{@link #failNext} programs errors or delays; {@link #holdNext} parks a request until released.</li>
 *   <li>Outages: {@link #failAll} answers every request with one error (throttling), {@link #hang} accepts
 *       requests and never answers them, {@link #refuseConnections} closes the port (connections are refused) until
 *       {@link #acceptConnections} opens it again.</li>
 * </ul>
 */
public final class FakeSts implements AutoCloseable {

    public static final String NODE_ACCESS_KEY_ID = "AKIAIAMLETFAKENODE01";
    public static final String NODE_SECRET_ACCESS_KEY = "iamletFakeNodeSecretAccessKey00000000000";
    public static final String NODE_ARN = "arn:aws:iam::111122223333:user/iamlet-node";
    /** STS's cap on DurationSeconds for a session obtained by role chaining. */
    public static final int MAX_CHAINED_SECONDS = 3600;

    private final InetSocketAddress address;
    private volatile HttpServer server;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();
    private final Map<String, FakeStsIssued> issued = new ConcurrentHashMap<>();
    private final Map<String, Integer> roleNumbers = new ConcurrentHashMap<>();
    private final AtomicLong serial = new AtomicLong();
    private final AtomicInteger received = new AtomicInteger();
    private final AtomicInteger generation = new AtomicInteger();
    private final List<FakeStsCall> calls = new CopyOnWriteArrayList<>();
    private final List<FakeStsChain> chains = new CopyOnWriteArrayList<>();
    private final Map<String, String> externalIds = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<FakeStsFault> faults = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<FakeStsGate> gates = new ConcurrentLinkedQueue<>();
    private volatile Predicate<String> tokenValidator = token -> !token.isBlank();
    private volatile Duration lifetime;
    private volatile FakeStsFault failAll;
    private volatile CountDownLatch hanging;
    private final CountDownLatch closed = new CountDownLatch(1);
    private boolean refusing;

    private FakeSts(Clock clock, InetAddress bind) throws IOException {
        this.clock = clock;
        this.server = listen(new InetSocketAddress(bind, 0));
        this.address = server.getAddress();
    }

    private HttpServer listen(InetSocketAddress at) throws IOException {
        HttpServer listening = HttpServer.create(at, 256);
        listening.setExecutor(executor);
        listening.createContext("/", this::handle);
        listening.start();
        return listening;
    }

    /** Starts on an ephemeral port of 127.0.0.1, issuing expirations by the system clock. */
    public static FakeSts start() {
        return start(Clock.systemUTC());
    }

    /** Starts with {@code clock} deciding issue times and expirations (and whether issued keys expired). */
    public static FakeSts start(Clock clock) {
        return start(clock, InetAddress.getLoopbackAddress());
    }

    /** Starts on an ephemeral port of {@code bind} (the end-to-end node binds its host address). */
    public static FakeSts start(Clock clock, InetAddress bind) {
        try {
            return new FakeSts(clock, bind);
        } catch (IOException e) {
            throw new IllegalStateException("FakeSts could not listen on " + bind.getHostAddress(), e);
        }
    }

    public URI endpoint() {
        InetSocketAddress bound = address;
        String host = bound.getAddress().getHostAddress();
        return URI.create("http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + bound.getPort());
    }

    /** Every answered request, in order. */
    public List<FakeStsCall> calls() {
        return List.copyOf(calls);
    }

    public List<FakeStsCall> calls(String action) {
        return calls.stream().filter(c -> c.action().equals(action)).toList();
    }

    /** Every role chain accepted (AssumeRole signed by credentials FakeSts issued), in order. */
    public List<FakeStsChain> chains() {
        return List.copyOf(chains);
    }

    /** The trust policy of {@code targetRoleArn} demands {@code externalId}: AssumeRole without it is denied. */
    public void requireExternalId(String targetRoleArn, String externalId) {
        externalIds.put(targetRoleArn, externalId);
    }

    /** Requests received so far, including ones still held or delayed. */
    public int requestsReceived() {
        return received.get();
    }

    /** The next request (any action) gets {@code fault}; several calls queue several faults. */
    public void failNext(FakeStsFault fault) {
        faults.add(fault);
    }

    public void failNext(int times, FakeStsFault fault) {
        for (int i = 0; i < times; i++) {
            faults.add(fault);
        }
    }

    public void clearFaults() {
        faults.clear();
    }

    /** Every request gets {@code fault} (for instance {@link FakeStsFault#THROTTLING}) until called with null. */
    public void failAll(FakeStsFault fault) {
        failAll = fault;
    }

    /**
     * While {@code on}, requests are accepted and read but never answered (an STS that hangs); those that arrived
     * meanwhile stay unanswered until FakeSts closes, as on a dead connection. Counted by {@link #requestsReceived}.
     */
    public void hang(boolean on) {
        hanging = on ? closed : null;
    }

    /** Closes the listening port: connections are refused (nothing listens) until {@link #acceptConnections}. */
    public synchronized void refuseConnections() {
        if (!refusing) {
            refusing = true;
            server.stop(0);
        }
    }

    /** Listens again on the same address and port after {@link #refuseConnections}. */
    public synchronized void acceptConnections() {
        if (!refusing) {
            return;
        }
        try {
            server = listen(address);
            refusing = false;
        } catch (IOException e) {
            throw new IllegalStateException("FakeSts could not listen again on " + address, e);
        }
    }

    /** The next request waits inside FakeSts until the returned gate is released. */
    public FakeStsGate holdNext() {
        FakeStsGate gate = new FakeStsGate();
        gates.add(gate);
        return gate;
    }

    /** Which web-identity tokens are good (default: any non-blank); others get 400 InvalidIdentityToken. */
    public void acceptTokens(Predicate<String> validator) {
        this.tokenValidator = validator;
    }

    /** Issue credentials valid for {@code validFor} whatever DurationSeconds asked; null restores that default. */
    public void issueCredentialsValidFor(Duration validFor) {
        this.lifetime = validFor;
    }

    /** The role credentials were issued for, by access key id. */
    public Optional<String> roleOf(String accessKeyId) {
        return Optional.ofNullable(issued.get(accessKeyId)).map(FakeStsIssued::roleArn);
    }

    public Optional<FakeStsIssued> issued(String accessKeyId) {
        return Optional.ofNullable(issued.get(accessKeyId));
    }

    public List<String> keysIssuedFor(String roleArn) {
        return calls.stream().filter(c -> c.issuedAccessKeyId() != null && roleArn.equals(c.roleArn()))
                .map(FakeStsCall::issuedAccessKeyId).toList();
    }

    /**
     * Forgets calls, chains, faults, holds, external-id requirements, the token validator and the lifetime, so one
     * FakeSts can serve several tests.
     * Issued credentials stay valid.
     */
    public void reset() {
        generation.incrementAndGet();
        gates.forEach(FakeStsGate::release);
        gates.clear();
        faults.clear();
        calls.clear();
        chains.clear();
        externalIds.clear();
        received.set(0);
        tokenValidator = token -> !token.isBlank();
        lifetime = null;
        failAll = null;
        hanging = null;
    }

    @Override
    public synchronized void close() {
        gates.forEach(FakeStsGate::release);
        closed.countDown();
        if (!refusing) {
            refusing = true;
            server.stop(0);
        }
        executor.shutdownNow();
    }

    private void handle(HttpExchange exchange) throws IOException {
        int arrivedIn = generation.get();
        received.incrementAndGet();
        try (exchange) {
            FakeStsRequest request = FakeStsRequest.read(exchange);
            CountDownLatch hang = hanging;
            if (hang != null) {
                hang.await(); // never answered; the exchange closes without a response when FakeSts closes
                return;
            }
            FakeStsGate gate = gates.poll();
            if (gate != null) {
                gate.pass();
            }
            FakeStsFault fault = faults.poll();
            if (fault == null) {
                fault = failAll;
            }
            if (fault != null && !fault.delay().isZero()) {
                Thread.sleep(fault.delay()); // a slow STS, for the client's timeouts; the test itself never sleeps
            }
            FakeStsResponder responder = new FakeStsResponder(this, request);
            FakeStsResponder.Answer answer = fault != null && fault.isError()
                    ? responder.fault(fault)
                    : responder.answer();
            if (arrivedIn == generation.get()) {
                calls.add(answer.call()); // a request from before reset() belongs to an earlier test
            }
            byte[] body = answer.xml().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/xml");
            exchange.getResponseHeaders().set("x-amzn-RequestId", answer.call().requestId());
            exchange.sendResponseHeaders(answer.call().status(), body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // Used by FakeStsResponder.

    Clock clock() {
        return clock;
    }

    Predicate<String> tokenValidator() {
        return tokenValidator;
    }

    Duration lifetime() {
        return lifetime;
    }

    String externalIdRequiredBy(String roleArn) {
        return roleArn == null ? null : externalIds.get(roleArn);
    }

    void chained(FakeStsChain chain) {
        chains.add(chain);
    }

    String secretFor(String accessKeyId) {
        if (NODE_ACCESS_KEY_ID.equals(accessKeyId)) {
            return NODE_SECRET_ACCESS_KEY;
        }
        FakeStsIssued credentials = issued.get(accessKeyId);
        return credentials == null ? null : credentials.secretAccessKey();
    }

    FakeStsIssued issue(String roleArn, String sessionName, Duration validFor) {
        int role = roleNumbers.computeIfAbsent(roleArn, r -> roleNumbers.size() + 1);
        String accessKeyId = "ASIA" + String.format("%04d%012d", role % 10_000, serial.incrementAndGet());
        String account = roleArn.split(":")[4];
        String roleName = roleArn.substring(roleArn.lastIndexOf('/') + 1);
        String roleId = "AROA" + String.format("%016d", role);
        var credentials = new FakeStsIssued(accessKeyId, randomString(30), "IQoJb3JpZ2luX2Vj" + randomString(240),
                clock.instant().plus(validFor), roleArn, sessionName, account,
                "arn:aws:sts::" + account + ":assumed-role/" + roleName + "/" + sessionName,
                roleId + ":" + sessionName);
        issued.put(accessKeyId, credentials);
        return credentials;
    }

    static String requestId() {
        return UUID.randomUUID().toString();
    }

    private String randomString(int bytes) {
        byte[] b = new byte[bytes];
        random.nextBytes(b);
        return Base64.getEncoder().withoutPadding().encodeToString(b).replace('/', '+');
    }
}
