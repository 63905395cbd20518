package io.iamlet.server;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The routing table of one server: immutable once built. A path is matched exactly first, else by the longest
 * registered prefix; the method then picks the handler (none: 405 with {@code Allow}). Paths are compared raw
 * (not percent-decoded), so {@code /v1/%63redentials} is simply unknown.
 *
 * <p>Each route carries an endpoint name, used as the {@code endpoint} tag of the request meters: it must be a
 * short constant word ({@code container}, {@code metadata}, {@code healthz}), never data from the request.
 */
public final class Routes {

    private static final Pattern METHOD = Pattern.compile("[A-Z]{1,16}");
    private static final Pattern ENDPOINT = Pattern.compile("[a-z0-9][a-z0-9_.-]{0,39}");

    private final Map<String, Entry> exact;
    private final List<Map.Entry<String, Entry>> prefixes; // longest first

    private Routes(Map<String, Entry> exact, List<Map.Entry<String, Entry>> prefixes) {
        this.exact = exact;
        this.prefixes = prefixes;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The outcome of matching a request against the table. */
    sealed interface Match {
        record Found(String endpoint, Handler handler) implements Match {
        }

        record MethodNotAllowed(String endpoint, String allow) implements Match {
        }

        record NotFound() implements Match {
        }
    }

    Match match(String method, String path) {
        Entry entry = exact.get(path);
        if (entry == null) {
            for (Map.Entry<String, Entry> p : prefixes) {
                if (path.startsWith(p.getKey())) {
                    entry = p.getValue();
                    break;
                }
            }
        }
        if (entry == null) {
            return new Match.NotFound();
        }
        Route route = entry.byMethod.get(method);
        if (route == null) {
            String allow = String.join(", ", new TreeSet<>(entry.byMethod.keySet()));
            return new Match.MethodNotAllowed(entry.firstEndpoint(), allow);
        }
        return new Match.Found(route.endpoint, route.handler);
    }

    private record Route(String endpoint, Handler handler) {
    }

    private record Entry(LinkedHashMap<String, Route> byMethod) {
        String firstEndpoint() {
            return byMethod.values().iterator().next().endpoint;
        }

        Entry copy() {
            return new Entry(new LinkedHashMap<>(byMethod));
        }
    }

    public static final class Builder {
        private final Map<String, Entry> exact = new HashMap<>();
        private final Map<String, Entry> prefixes = new HashMap<>();

        private Builder() {
        }

        /** Routes {@code method path} (exact match) to {@code handler}, counted under {@code endpoint}. */
        public Builder exact(String method, String path, String endpoint, Handler handler) {
            add(exact, method, path, endpoint, handler);
            return this;
        }

        /** {@code exact("GET", path, endpoint, handler)}. */
        public Builder get(String path, String endpoint, Handler handler) {
            return exact("GET", path, endpoint, handler);
        }

        /**
         * Routes every path starting with {@code prefix} (which must end with {@code /}) unless an exact route or a
         * longer prefix matches. The handler sees the full path in {@link Request#path()}.
         */
        public Builder prefix(String method, String prefix, String endpoint, Handler handler) {
            if (!prefix.endsWith("/")) {
                throw new IllegalArgumentException("route prefix must end with '/', was " + prefix);
            }
            add(prefixes, method, prefix, endpoint, handler);
            return this;
        }

        public Routes build() {
            List<Map.Entry<String, Entry>> sorted = new ArrayList<>();
            prefixes.forEach((prefix, entry) -> sorted.add(Map.entry(prefix, entry.copy())));
            sorted.sort(Comparator.comparingInt((Map.Entry<String, Entry> e) -> e.getKey().length()).reversed());
            Map<String, Entry> exactCopy = new HashMap<>();
            exact.forEach((path, entry) -> exactCopy.put(path, entry.copy()));
            return new Routes(Map.copyOf(exactCopy), List.copyOf(sorted));
        }

        private static void add(Map<String, Entry> table, String method, String path, String endpoint,
                                Handler handler) {
            Objects.requireNonNull(handler, "handler");
            if (!METHOD.matcher(method).matches()) {
                throw new IllegalArgumentException("route method must be an upper-case token, was " + method);
            }
            if (!path.startsWith("/")) {
                throw new IllegalArgumentException("route path must start with '/', was " + path);
            }
            if (!ENDPOINT.matcher(endpoint).matches()) {
                throw new IllegalArgumentException(
                        "route endpoint must be a short lower-case word (a metric tag), was " + endpoint);
            }
            Entry entry = table.computeIfAbsent(path, p -> new Entry(new LinkedHashMap<>()));
            if (entry.byMethod.putIfAbsent(method, new Route(endpoint, handler)) != null) {
                throw new IllegalArgumentException("route " + method + " " + path + " is registered twice");
            }
        }
    }
}
