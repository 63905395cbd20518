import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Open-loop load at a fixed rate from many pods, each request from its pod's own loopback address with its pod's
 * own token, for bench/compare.sh. Run with the JDK's source launcher: {@code java bench/OpenLoop.java ...}.
 *
 * <p>Request i is due at {@code start + i / rate}, whatever happened to the requests before it: a slow server
 * does not slow the sender down (no coordinated omission), and each latency is measured from the request's due
 * time, not from when it was actually sent, so a stall shows in the percentiles as the queue it causes. Pods take
 * turns (request i comes from pod i mod N). Each request opens a new connection, as an SDK's credential provider
 * does, and closes it after the answer:
 * <ul>
 *   <li>{@code container}: {@code GET /v1/credentials} with {@code Authorization: <pod token>};</li>
 *   <li>{@code metadata}: {@code PUT /latest/api/token}, then on the same connection
 *       {@code GET /latest/meta-data/iam/security-credentials/<role>} with the token it got (IMDSv2).</li>
 * </ul>
 * Bounded: at most {@code --max-in-flight} requests at once (beyond that the sender waits, and the wait counts in
 * the latency of the requests due meanwhile), 2 s to connect, 5 s per read, and a phase gives up 15 s after its
 * last request was due. Loopback only: a pod address or a target outside 127.0.0.0/8 is refused.
 *
 * <p>Usage: {@code OpenLoop --pods FILE --rate N --warmup S --seconds S [--clk-tck 100] PHASE...} where FILE has
 * one pod per line ({@code ip token-file role}) and PHASE is {@code name,kind,host:port,pid[+pid...]}: the pids
 * whose CPU time (utime+stime from /proc) is charged to the phase. Phases run in the order given, each after a
 * warm-up of its own that is not measured. One JSON object per phase on standard output. Tokens are never printed.
 */
public final class OpenLoop {

    record Pod(InetAddress ip, String token, String role) {
    }

    record Phase(String name, String kind, InetSocketAddress target, List<Long> pids) {
    }

    static final int CONNECT_TIMEOUT_MS = 2_000;
    static final int READ_TIMEOUT_MS = 5_000;

    public static void main(String[] args) throws Exception {
        Path podsFile = null;
        int rate = 1000;
        double warmup = 2;
        double seconds = 10;
        int maxInFlight = 2_000;
        long clkTck = 100;
        List<Phase> phases = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--pods" -> podsFile = Path.of(args[++i]);
                case "--rate" -> rate = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Double.parseDouble(args[++i]);
                case "--seconds" -> seconds = Double.parseDouble(args[++i]);
                case "--max-in-flight" -> maxInFlight = Integer.parseInt(args[++i]);
                case "--clk-tck" -> clkTck = Long.parseLong(args[++i]);
                default -> phases.add(phase(args[i]));
            }
        }
        if (podsFile == null || phases.isEmpty() || rate < 1 || rate > 20_000 || seconds <= 0 || seconds > 600) {
            throw new IllegalArgumentException("usage: OpenLoop --pods FILE --rate 1..20000 --warmup S "
                    + "--seconds 0..600 name,kind,host:port,pid[+pid] ...");
        }
        List<Pod> pods = pods(podsFile);
        for (Phase phase : phases) {
            run(phase, pods, rate, warmup, maxInFlight, clkTck, false);
            System.out.println(run(phase, pods, rate, seconds, maxInFlight, clkTck, true));
            System.out.flush();
        }
    }

    static Phase phase(String spec) throws IOException {
        String[] parts = spec.split(",");
        if (parts.length != 4 || !(parts[1].equals("container") || parts[1].equals("metadata"))) {
            throw new IllegalArgumentException("phase must be name,container|metadata,host:port,pid[+pid]: " + spec);
        }
        int colon = parts[2].lastIndexOf(':');
        InetAddress host = loopback(parts[2].substring(0, colon));
        List<Long> pids = Arrays.stream(parts[3].split("\\+")).map(Long::parseLong).toList();
        return new Phase(parts[0], parts[1], new InetSocketAddress(host, Integer.parseInt(parts[2].substring(colon + 1))),
                pids);
    }

    static List<Pod> pods(Path file) throws IOException {
        List<Pod> pods = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.trim().split("\\s+");
            pods.add(new Pod(loopback(f[0]), Files.readString(Path.of(f[1])).trim(), f[2]));
        }
        if (pods.isEmpty()) {
            throw new IllegalArgumentException("no pods in " + file);
        }
        return pods;
    }

    static InetAddress loopback(String address) throws IOException {
        InetAddress ip = InetAddress.getByName(address);
        if (!ip.isLoopbackAddress()) {
            throw new IllegalArgumentException("not a loopback address: " + address);
        }
        return ip;
    }

    static String run(Phase phase, List<Pod> pods, int rate, double seconds, int maxInFlight, long clkTck,
                      boolean measured) throws Exception {
        int count = (int) Math.round(rate * seconds);
        long period = 1_000_000_000L / rate;
        long[] latency = new long[count];
        Map<String, AtomicLong> failures = new ConcurrentHashMap<>();
        Semaphore inFlight = new Semaphore(maxInFlight);
        long cpuBefore = cpuTicks(phase.pids());
        long start = System.nanoTime() + 5_000_000;
        try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < count; i++) {
                long due = start + i * period;
                for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
                    LockSupport.parkNanos(wait);
                }
                inFlight.acquire();
                int n = i;
                executor.execute(() -> {
                    try {
                        exchange(phase, pods.get(n % pods.size()));
                        latency[n] = System.nanoTime() - due;
                    } catch (Exception e) {
                        latency[n] = -1;
                        failures.computeIfAbsent(e.getClass().getSimpleName() + ": " + e.getMessage(),
                                k -> new AtomicLong()).incrementAndGet();
                    } finally {
                        inFlight.release();
                    }
                });
            }
            executor.shutdown();
            if (!executor.awaitTermination(15, TimeUnit.SECONDS)) {
                executor.shutdownNow();
            }
        }
        long elapsed = System.nanoTime() - start;
        long cpu = cpuTicks(phase.pids()) - cpuBefore;
        if (!measured) {
            return "";
        }
        long[] ok = Arrays.stream(latency).filter(l -> l > 0).sorted().toArray();
        StringBuilder json = new StringBuilder();
        json.append("{\"type\":\"openloop\",\"phase\":\"").append(phase.name()).append("\",\"kind\":\"")
                .append(phase.kind()).append("\",\"rate\":").append(rate).append(",\"seconds\":").append(seconds)
                .append(",\"sent\":").append(count).append(",\"ok\":").append(ok.length)
                .append(",\"achieved_rps\":").append(String.format(Locale.ROOT, "%.1f", ok.length * 1e9 / elapsed))
                .append(",\"cpu_us_per_req\":").append(String.format(Locale.ROOT, "%.1f", cpu * 1e6 / clkTck / Math.max(1, ok.length)));
        double[] quantiles = {0.5, 0.9, 0.99, 0.999};
        String[] names = {"p50", "p90", "p99", "p99_9"};
        for (int q = 0; q < quantiles.length; q++) {
            json.append(",\"").append(names[q]).append("_us\":")
                    .append(ok.length == 0 ? "null" : String.format(Locale.ROOT, "%.1f", percentile(ok, quantiles[q]) / 1e3));
        }
        json.append(",\"max_us\":").append(ok.length == 0 ? "null" : String.format(Locale.ROOT, "%.1f", ok[ok.length - 1] / 1e3));
        Map<String, Long> sorted = new TreeMap<>();
        failures.forEach((k, v) -> sorted.put(k, v.get()));
        json.append(",\"failures\":{");
        json.append(String.join(",", sorted.entrySet().stream()
                .map(e -> "\"" + e.getKey().replace("\\", "\\\\").replace("\"", "'") + "\":" + e.getValue()).toList()));
        return json.append("}}").toString();
    }

    static long percentile(long[] sorted, double q) {
        return sorted[Math.max(0, (int) Math.ceil(q * sorted.length) - 1)];
    }

    /** utime + stime of the processes, in clock ticks (fields 14 and 15 of /proc/PID/stat). */
    static long cpuTicks(List<Long> pids) throws IOException {
        long ticks = 0;
        for (long pid : pids) {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]);
        }
        return ticks;
    }

    static void exchange(Phase phase, Pod pod) throws IOException {
        try (Socket socket = new Socket()) {
            socket.bind(new InetSocketAddress(pod.ip(), 0));
            socket.connect(phase.target(), CONNECT_TIMEOUT_MS);
            socket.setSoTimeout(READ_TIMEOUT_MS);
            socket.setTcpNoDelay(true);
            OutputStream out = socket.getOutputStream();
            InputStream in = new BufferedInputStream(socket.getInputStream(), 8192);
            String host = "Host: " + phase.target().getAddress().getHostAddress() + ":" + phase.target().getPort();
            if (phase.kind().equals("container")) {
                send(out, "GET /v1/credentials HTTP/1.1\r\n" + host + "\r\nAuthorization: " + pod.token() + "\r\n\r\n");
                expect200(in, "credentials");
            } else {
                send(out, "PUT /latest/api/token HTTP/1.1\r\n" + host
                        + "\r\nX-aws-ec2-metadata-token-ttl-seconds: 21600\r\nContent-Length: 0\r\n\r\n");
                String token = expect200(in, "token");
                send(out, "GET /latest/meta-data/iam/security-credentials/" + pod.role() + " HTTP/1.1\r\n" + host
                        + "\r\nX-aws-ec2-metadata-token: " + token + "\r\n\r\n");
                expect200(in, "credentials");
            }
        }
    }

    static void send(OutputStream out, String request) throws IOException {
        out.write(request.getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    /** Reads one response (status line, headers, Content-Length body); returns the body. */
    static String expect200(InputStream in, String what) throws IOException {
        String status = line(in);
        long length = -1;
        for (String header = line(in); !header.isEmpty(); header = line(in)) {
            int colon = header.indexOf(':');
            if (colon > 0 && header.substring(0, colon).trim().equalsIgnoreCase("content-length")) {
                length = Long.parseLong(header.substring(colon + 1).trim());
            }
        }
        if (length < 0 || length > 1 << 20) {
            throw new IOException(what + ": no usable Content-Length");
        }
        byte[] body = in.readNBytes((int) length);
        if (body.length != length) {
            throw new EOFException(what + ": body cut short");
        }
        if (!status.startsWith("HTTP/1.1 200")) {
            throw new IOException(what + ": status " + status.substring(Math.min(9, status.length())));
        }
        return new String(body, StandardCharsets.UTF_8);
    }

    static String line(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0) {
                throw new EOFException("connection closed mid-response");
            }
            if (c != '\r') {
                line.append((char) c);
            }
            if (line.length() > 16_384) {
                throw new IOException("header line too long");
            }
        }
        return line.toString();
    }
}
