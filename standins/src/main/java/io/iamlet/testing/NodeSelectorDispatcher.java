package io.iamlet.testing;

import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Teaches the fabric8 mock API server the one field selector iamlet sends: {@code spec.nodeName=<node>} on pod
 * lists and watches. The mock matches field selectors only against attributes it extracts from stored objects, and
 * it extracts no {@code spec.nodeName}, so it answers such a list with nothing. It does match label selectors, in
 * lists and in watches alike; pods created through {@link StandIns} carry the label {@link #NODE_LABEL} equal to
 * their {@code spec.nodeName}, and this dispatcher rewrites the field-selector term into that label term before the
 * mock sees it. So iamlet runs with its production selector and gets exactly its node's pods.
 */
final class NodeSelectorDispatcher extends Dispatcher {

    /** Label that StandIns keeps equal to {@code spec.nodeName} on every pod it creates. */
    static final String NODE_LABEL = "stand-ins.iamlet.io/node";

    private static final Pattern NODE_TERM = Pattern.compile("spec\\.nodeName==?(.+)");

    private final Dispatcher delegate;

    NodeSelectorDispatcher(Dispatcher delegate) {
        this.delegate = delegate;
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) {
        String path = request.getPath();
        String rewritten = rewrite(path);
        if (rewritten.equals(path)) {
            return delegate.dispatch(request);
        }
        return delegate.dispatch(new RecordedRequest(request.getHttpVersion(), request.method(), rewritten,
                request.getHeaders(), request.getBody()));
    }

    @Override
    public void shutdown() {
        delegate.shutdown();
    }

    @Override
    public void releaseResources() {
        delegate.releaseResources();
    }

    /** The path with a pod request's {@code spec.nodeName} field-selector term turned into the node label term. */
    static String rewrite(String path) {
        int q = path == null ? -1 : path.indexOf('?');
        if (q < 0 || !path.substring(0, q).endsWith("/pods")) {
            return path;
        }
        List<String> params = new ArrayList<>();
        String node = null;
        String labels = null;
        for (String param : path.substring(q + 1).split("&")) {
            if (param.startsWith("fieldSelector=")) {
                List<String> keep = new ArrayList<>();
                for (String term : decode(param.substring("fieldSelector=".length())).split(",")) {
                    Matcher m = NODE_TERM.matcher(term.strip());
                    if (m.matches()) {
                        node = m.group(1);
                    } else if (!term.isBlank()) {
                        keep.add(term.strip());
                    }
                }
                if (!keep.isEmpty()) {
                    params.add("fieldSelector=" + encode(String.join(",", keep)));
                }
            } else if (param.startsWith("labelSelector=")) {
                labels = decode(param.substring("labelSelector=".length()));
            } else {
                params.add(param);
            }
        }
        if (node == null) {
            return path;
        }
        String selector = (labels == null || labels.isBlank() ? "" : labels + ",") + NODE_LABEL + "=" + node;
        params.add("labelSelector=" + encode(selector));
        return path.substring(0, q + 1) + String.join("&", params);
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
