package io.iamlet.identity;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.RequestConfigBuilder;

/**
 * A view of the agent's API client for calls made while a pod waits: fabric8's default (10 retries with exponential
 * backoff on 5xx) holds a failing call for about 20 s, far past an SDK's 1-2 s timeout. One retry and a 5 s timeout
 * turn an API server outage into a prompt 503 instead. The view shares the parent's HTTP client: never close it.
 */
final class FailFast {

    static final int REQUEST_TIMEOUT_MILLIS = 5_000;
    static final int RETRIES = 1;
    static final int RETRY_INTERVAL_MILLIS = 200;

    private FailFast() {
    }

    static KubernetesClient view(KubernetesClient client) {
        return client.newClient(new RequestConfigBuilder()
                        .withRequestTimeout(REQUEST_TIMEOUT_MILLIS)
                        .withRequestRetryBackoffLimit(RETRIES)
                        .withRequestRetryBackoffInterval(RETRY_INTERVAL_MILLIS)
                        .build())
                .adapt(KubernetesClient.class);
    }
}
