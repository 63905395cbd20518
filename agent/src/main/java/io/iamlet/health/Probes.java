package io.iamlet.health;

import io.iamlet.server.Routes;

/** The probe listener's routing table ({@code --probe-listen}, loopback only). */
public final class Probes {

    private Probes() {
    }

    /** {@code GET /healthz} (endpoint {@code healthz}) and {@code GET /readyz} (endpoint {@code readyz}). */
    public static Routes routes(LivenessHandler liveness, Readiness readiness) {
        return Routes.builder()
                .get("/healthz", "healthz", liveness)
                .get("/readyz", "readyz", readiness.handler())
                .build();
    }
}
