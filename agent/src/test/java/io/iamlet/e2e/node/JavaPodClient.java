package io.iamlet.e2e.node;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.read.ListAppender;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The AWS SDK for Java v2 as a pod runs it: a JVM started inside a pod's network namespace, answering commands on
 * stdin so one JVM serves every case of its pod (start-up paid once). Each command builds a fresh
 * {@link DefaultCredentialsProvider} (the default chain, nothing cached between commands):
 *
 * <ul>
 *   <li>{@code container}: with {@code aws.containerCredentialsFullUri=http://169.254.170.23/v1/credentials} and
 *       {@code aws.containerAuthorizationTokenFile} set (the SDK reads these system properties before the
 *       environment variables of the same meaning) and {@code aws.disableEc2Metadata}, so the chain ends at its
 *       container provider;</li>
 *   <li>{@code imds}: with neither, so the chain falls through to the instance profile provider, which talks
 *       IMDSv2 to 169.254.169.254;</li>
 *   <li>{@code http}: a raw request (method, url, headers), to see the exact status iamlet answers;</li>
 *   <li>{@code repeat}: another command ({@code command}) {@code times} times in a row, each timed.</li>
 * </ul>
 *
 * Answers are {@value #PREFIX}{@code {json}} lines: {@code ok}, {@code accessKeyId}, {@code expiration} or
 * {@code error} (with the causes the chain's own message drops); never a secret key or session token. Commands run one at a time (the system
 * properties are global).
 */
public final class JavaPodClient {

    static final String PREFIX = "JAVACLIENT ";
    static final String CONTAINER_URI = "http://169.254.170.23/v1/credentials";

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final ListAppender<ILoggingEvent> CHAIN_FAILURES = chainFailures();
    private static final HttpClient HTTP = HttpClient.newBuilder().proxy(HttpClient.Builder.NO_PROXY)
            .connectTimeout(Duration.ofSeconds(2)).build();

    private JavaPodClient() {
    }

    public static void main(String[] args) throws Exception {
        print(Map.of("event", "ready"));
        var in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode command = JSON.readTree(line);
            Map<String, Object> answer = new LinkedHashMap<>();
            answer.put("id", command.path("id").asString(""));
            long start = System.nanoTime();
            try {
                answer.putAll(run(command));
            } catch (Exception e) {
                answer.put("ok", false);
                answer.put("error", e.getClass().getSimpleName() + ": " + e.getMessage());
            }
            answer.put("millis", (System.nanoTime() - start) / 1_000_000);
            print(answer);
        }
    }

    private static Map<String, Object> run(JsonNode command) throws Exception {
        return switch (command.path("op").asString("")) {
            case "container" -> container(command.path("tokenFile").asString());
            case "imds" -> credentials("InstanceProfileCredentialsProvider");
            case "http" -> http(command);
            case "repeat" -> repeat(command.path("command"), command.path("times").asInt(1));
            default -> throw new IllegalArgumentException("unknown op " + command.path("op"));
        };
    }

    /**
     * {@code command} {@code times} times in a row, each timed here (in microseconds), so that the figures hold the
     * SDK's time and not the harness's: {@code ok} when all succeeded, the access key ids seen, the first error.
     */
    private static Map<String, Object> repeat(JsonNode command, int times) throws Exception {
        List<Long> micros = new ArrayList<>();
        Set<String> keys = new LinkedHashSet<>();
        int succeeded = 0;
        String firstError = null;
        for (int i = 0; i < times; i++) {
            long start = System.nanoTime();
            Map<String, Object> one = run(command);
            micros.add((System.nanoTime() - start) / 1_000);
            if (Boolean.TRUE.equals(one.get("ok"))) {
                succeeded++;
                keys.add(String.valueOf(one.get("accessKeyId")));
            } else if (firstError == null) {
                firstError = String.valueOf(one.get("error"));
            }
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("ok", succeeded == times);
        answer.put("succeeded", succeeded);
        answer.put("micros", micros);
        answer.put("accessKeyIds", List.copyOf(keys));
        if (firstError != null) {
            answer.put("error", firstError);
        }
        return answer;
    }

    private static Map<String, Object> container(String tokenFile) {
        System.setProperty("aws.containerCredentialsFullUri", CONTAINER_URI);
        System.setProperty("aws.containerAuthorizationTokenFile", tokenFile);
        System.setProperty("aws.disableEc2Metadata", "true"); // a refusal must not fall through to the IMDS path
        try {
            return credentials("ContainerCredentialsProvider");
        } finally {
            System.clearProperty("aws.containerCredentialsFullUri");
            System.clearProperty("aws.containerAuthorizationTokenFile");
            System.clearProperty("aws.disableEc2Metadata");
        }
    }

    /** The default chain's credentials; on failure, what {@code member} of the chain failed with. */
    private static Map<String, Object> credentials(String member) {
        CHAIN_FAILURES.list.clear();
        try (var provider = DefaultCredentialsProvider.builder().build()) {
            AwsCredentials credentials = provider.resolveCredentials();
            Map<String, Object> answer = new LinkedHashMap<>();
            answer.put("ok", true);
            answer.put("accessKeyId", credentials.accessKeyId());
            if (credentials instanceof AwsSessionCredentials session) {
                session.expirationTime().ifPresent(t -> answer.put("expiration", t.toString()));
            }
            return answer;
        } catch (RuntimeException e) {
            // The chain's own message drops each provider's cause (403 or connection refused): take them from
            // the chain's debug log, which carries the exceptions.
            Map<String, Object> answer = new LinkedHashMap<>();
            answer.put("ok", false);
            answer.put("error", CHAIN_FAILURES.list.stream()
                    .filter(ev -> ev.getThrowableProxy() != null)
                    .filter(ev -> ev.getFormattedMessage().contains(member))
                    .map(ev -> causes(ev.getThrowableProxy())).reduce((a, b) -> a + " || " + b)
                    .orElse(e.getMessage()));
            return answer;
        }
    }

    private static String causes(IThrowableProxy proxy) {
        StringBuilder all = new StringBuilder();
        for (IThrowableProxy p = proxy; p != null; p = p.getCause()) {
            all.append(all.isEmpty() ? "" : " <- ").append(p.getClassName().replaceAll(".*\\.", ""))
                    .append(": ").append(p.getMessage());
        }
        return all.toString();
    }

    private static Map<String, Object> http(JsonNode command) throws Exception {
        var request = HttpRequest.newBuilder(URI.create(command.path("url").asString()))
                .timeout(Duration.ofSeconds(5))
                .method(command.path("method").asString("GET"), HttpRequest.BodyPublishers.noBody());
        command.path("headers").properties().forEach(h -> request.header(h.getKey(), h.getValue().asString()));
        HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("ok", true);
        answer.put("status", response.statusCode());
        String body = response.body();
        var key = java.util.regex.Pattern.compile("\"AccessKeyId\"\\s*:\\s*\"([^\"]+)\"").matcher(body);
        if (key.find()) {
            answer.put("accessKeyId", key.group(1)); // the rest of a credentials body is secret: never echoed
            body = "(credentials for " + key.group(1) + ")";
        }
        answer.put("body", body.length() > 2000 ? body.substring(0, 2000) : body);
        answer.put("server", response.headers().firstValue("server").orElse(""));
        return answer;
    }

    /** Collects the default chain's DEBUG lines "Unable to load credentials from ..." with their exceptions. */
    private static ListAppender<ILoggingEvent> chainFailures() {
        var appender = new ListAppender<ILoggingEvent>();
        appender.start();
        var logger = (Logger) LoggerFactory.getLogger(
                "software.amazon.awssdk.auth.credentials.AwsCredentialsProviderChain");
        logger.setLevel(Level.DEBUG);
        logger.setAdditive(false);
        logger.addAppender(appender);
        return appender;
    }

    private static void print(Map<String, Object> answer) {
        String line = PREFIX + JSON.writeValueAsString(answer);
        synchronized (System.out) {
            System.out.println(line);
            System.out.flush();
        }
    }
}
