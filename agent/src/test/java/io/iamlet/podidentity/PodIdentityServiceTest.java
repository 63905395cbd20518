package io.iamlet.podidentity;

import static org.assertj.core.api.Assertions.assertThat;

import io.iamlet.associations.GrantResolver;
import io.iamlet.associations.RoleGrant;
import io.iamlet.audit.AuditEvent;
import io.iamlet.audit.AuditLog;
import io.iamlet.credentials.CredentialProvider;
import io.iamlet.credentials.Credentials;
import io.iamlet.credentials.Identity;
import io.iamlet.failure.Failure;
import io.iamlet.identity.RoleResolver;
import io.iamlet.identity.TokenClaims;
import io.iamlet.identity.TokenVerifier;
import io.iamlet.metadata.FakePods;
import io.iamlet.pods.PodInfo;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The container endpoint's security decision, with fakes for each of its seams. */
class PodIdentityServiceTest {

    private static final String IP = "10.0.0.7";
    private static final String OTHER_IP = "10.0.0.8";
    private static final String TOKEN = "header.payload-of-web-1.signature";
    private static final String ROLE = "arn:aws:iam::111122223333:role/web";
    private static final Instant EXPIRES = Instant.parse("2030-01-01T00:00:00Z");
    private static final Credentials CREDS = new Credentials("ASIAWEB1", "secret", "session", EXPIRES,
            "111122223333", "req-1", Instant.parse("2029-12-31T23:00:00Z"));
    private static final TokenClaims CLAIMS = new TokenClaims("https://issuer", "system:serviceaccount:shop:web",
            "shop", "web-1", "uid-1", "web", "sa-uid", EXPIRES);
    private static final PodInfo POD = new PodInfo("shop", "web-1", "uid-1", "web", List.of(IP), Map.of(),
            Instant.parse("2029-12-31T22:00:00Z"), false);

    private final FakeVerifier verifier = new FakeVerifier();
    private final FakePods pods = new FakePods();
    private final FakeCredentials credentials = new FakeCredentials();
    private final List<String> rolesAsked = new ArrayList<>();
    private final RoleResolver roles = (namespace, serviceAccount) -> {
        rolesAsked.add(namespace + "/" + serviceAccount);
        return CompletableFuture.completedFuture(ROLE);
    };
    private final List<AuditEvent> audited = new ArrayList<>();
    private final PodIdentityService service;

    PodIdentityServiceTest() {
        var audit = new AuditLog("node-a");
        audit.addListener(audited::add);
        service = new PodIdentityService(verifier, pods, roles, credentials, audit);
        verifier.claims = CLAIMS;
        pods.put(IP, POD);
    }

    @Test
    void grantsTheRoleOfTheTokensServiceAccountToItsOwnPod() {
        Credentials served = service.credentialsFor(IP, TOKEN).join();

        assertThat(served).isEqualTo(CREDS);
        assertThat(rolesAsked).containsExactly("shop/web");
        Identity asked = credentials.asked.getFirst();
        assertThat(asked.roleArn()).isEqualTo(ROLE);
        assertThat(asked.podUid()).isEqualTo("uid-1");
        assertThat(asked.token().value()).as("STS gets the pod's own token").isEqualTo(TOKEN);
        AuditEvent event = audited.getFirst();
        assertThat(event.granted()).isTrue();
        assertThat(event).extracting(AuditEvent::sourceIp, AuditEvent::namespace, AuditEvent::pod,
                AuditEvent::serviceAccount, AuditEvent::roleArn, AuditEvent::accessKeyId, AuditEvent::cacheHit)
                .containsExactly(IP, "shop", "web-1", "web", ROLE, "ASIAWEB1", true);
        assertThat(audited).hasSize(1);
    }

    private static final String TARGET = "arn:aws:iam::444455556666:role/web-data";

    /** A service over a resolver that always answers {@code grant}. */
    private PodIdentityService serviceGranting(RoleGrant grant) {
        var audit = new AuditLog("node-a");
        audit.addListener(audited::add);
        GrantResolver grants = new GrantResolver() {
            @Override
            public CompletableFuture<String> roleArnFor(String namespace, String serviceAccount) {
                throw new AssertionError("credentials need the grant, not just the role");
            }

            @Override
            public CompletableFuture<RoleGrant> grantFor(String namespace, String serviceAccount) {
                rolesAsked.add(namespace + "/" + serviceAccount);
                return CompletableFuture.completedFuture(grant);
            }
        };
        return new PodIdentityService(verifier, pods, grants, credentials, audit);
    }

    @Test
    void aCrossAccountGrantAsksForTheTargetAndAuditsTheRoleThePodGets() {
        var grant = new RoleGrant(ROLE, Optional.of(TARGET), Optional.of("ext-1"), false, Map.of("team", "shop"),
                RoleGrant.ASSOCIATION, "web-data");

        serviceGranting(grant).credentialsFor(IP, TOKEN).join();

        Identity asked = credentials.asked.getFirst();
        assertThat(asked.roleArn()).as("the role assumed first").isEqualTo(ROLE);
        assertThat(asked.session()).isEqualTo(new Identity.Session(TARGET, "ext-1", false, Map.of("team", "shop")));
        assertThat(asked.effectiveRoleArn()).isEqualTo(TARGET);
        assertThat(asked.token().value()).isEqualTo(TOKEN);
        assertThat(audited).singleElement().extracting(AuditEvent::roleArn, AuditEvent::granted)
                .containsExactly(TARGET, true);
    }

    @Test
    void aRefusedTargetIsAuditedUnderTheTargetRole() {
        credentials.failure = new Failure.Denied("sts_access_denied", "STS AssumeRole for " + TARGET + " failed");
        var grant = new RoleGrant(ROLE, Optional.of(TARGET), Optional.empty(), false, Map.of(),
                RoleGrant.ASSOCIATION, "web-data");

        Failure failure = failureOf(serviceGranting(grant).credentialsFor(IP, TOKEN));

        assertThat(failure.reason()).isEqualTo("sts_access_denied");
        assertThat(audited).singleElement().extracting(AuditEvent::roleArn, AuditEvent::reason)
                .containsExactly(TARGET, "sts_access_denied");
    }

    @Test
    void aGrantWithoutTargetOrTagsIsThePlainSessionAndDisabledTagsGoThrough() {
        serviceGranting(new RoleGrant(ROLE, Optional.empty(), Optional.empty(), false, Map.of(),
                RoleGrant.ASSOCIATION, "web")).credentialsFor(IP, TOKEN).join();
        serviceGranting(new RoleGrant(ROLE, Optional.empty(), Optional.empty(), true, Map.of(),
                RoleGrant.ASSOCIATION, "web")).credentialsFor(IP, TOKEN).join();

        assertThat(credentials.asked).extracting(Identity::session).containsExactly(Identity.Session.PLAIN,
                new Identity.Session(null, null, true, Map.of()));
        assertThat(audited).extracting(AuditEvent::roleArn).containsExactly(ROLE, ROLE);
    }

    static Stream<Arguments> podsTheTokenWasNotIssuedTo() {
        return Stream.of(
                Arguments.of("another namespace", (UnaryOperator<PodInfo>) p -> new PodInfo("other", p.name(),
                        p.uid(), p.serviceAccount(), p.ips(), p.annotations(), p.created(), false)),
                Arguments.of("another service account", (UnaryOperator<PodInfo>) p -> new PodInfo(p.namespace(),
                        p.name(), p.uid(), "admin", p.ips(), p.annotations(), p.created(), false)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("podsTheTokenWasNotIssuedTo")
    void deniesATokenWhosePodIsNotTheOneItNames(String mismatch, UnaryOperator<PodInfo> podAtIp) {
        PodInfo other = podAtIp.apply(POD);
        pods.put(IP, other);

        Failure failure = failureOf(service.credentialsFor(IP, TOKEN));

        assertMismatchAudited(failure, other);
    }

    @Test
    void deniesATokenOfAPodKnownAtAnotherAddressNamingThePodItCameFrom() {
        PodInfo replayer = new PodInfo("shop", "web-2", "uid-2", "web", List.of(OTHER_IP), Map.of(),
                POD.created(), false);
        pods.put(OTHER_IP, replayer);

        Failure failure = failureOf(service.credentialsFor(OTHER_IP, TOKEN));

        assertMismatchAudited(failure, replayer);
    }

    @Test
    void deniesATokenOfADeletedPodPresentedFromItsReusedAddress() {
        PodInfo successor = new PodInfo("shop", "web-1", "uid-2", "web", List.of(IP), Map.of(), POD.created(),
                false);
        pods.delete(POD.uid());
        pods.put(IP, successor);

        Failure failure = failureOf(service.credentialsFor(IP, TOKEN));

        assertMismatchAudited(failure, successor);
    }

    @Test
    void aTokenOfAPodNotSeenYetAtAReusedAddressIsTransientNotAReplay() {
        pods.clear();
        pods.put(IP, new PodInfo("shop", "old-1", "uid-old", "web", List.of(IP), Map.of(), POD.created(), true));

        Failure failure = failureOf(service.credentialsFor(IP, TOKEN));

        assertThat(failure).isInstanceOf(Failure.NotYetKnown.class);
        assertThat(failure.status()).isEqualTo(503);
        assertThat(failure.reason()).isEqualTo("pod_unknown");
        assertThat(rolesAsked).isEmpty();
        assertThat(credentials.asked).isEmpty();
        assertThat(audited).singleElement().satisfies(e -> {
            assertThat(e.status()).isEqualTo(503);
            assertThat(e.reason()).isEqualTo("pod_unknown");
        });
    }

    @Test
    void aTokenOfAPodThatAppearsWhileWaitingIsServed() {
        pods.clear();
        pods.parkUnknownPods();

        CompletableFuture<Credentials> answer = service.credentialsFor(IP, TOKEN);
        assertThat(answer).isNotDone();
        assertThat(pods.parked()).isOne();

        pods.add(POD);

        assertThat(answer).isCompletedWithValue(CREDS);
        assertThat(pods.parked()).isZero();
        assertThat(audited).singleElement().satisfies(e -> assertThat(e.granted()).isTrue());
    }

    @Test
    void aTokenOfAPodThatAppearsAtAnotherAddressWhileWaitingIsDenied() {
        pods.clear();
        pods.parkUnknownPods();

        CompletableFuture<Credentials> answer = service.credentialsFor(OTHER_IP, TOKEN);
        pods.add(POD);

        assertThat(failureOf(answer).reason()).isEqualTo("pod_mismatch");
        assertThat(credentials.asked).isEmpty();
    }

    @Test
    void aTokenOfAPodStillUnknownWhenTheWaitEndsGets503() {
        pods.clear();
        pods.parkUnknownPods();

        CompletableFuture<Credentials> answer = service.credentialsFor(IP, TOKEN);
        pods.endWaits();

        Failure failure = failureOf(answer);
        assertThat(failure.status()).isEqualTo(503);
        assertThat(failure.reason()).isEqualTo("pod_unknown");
        assertThat(credentials.asked).isEmpty();
    }

    private void assertMismatchAudited(Failure failure, PodInfo requester) {
        assertThat(failure).isInstanceOf(Failure.Denied.class);
        assertThat(failure.status()).isEqualTo(403);
        assertThat(failure.reason()).isEqualTo("pod_mismatch");
        assertThat(failure.getMessage()).isEqualTo("the token was not issued to the pod at this source address");
        assertThat(rolesAsked).as("no role looked up").isEmpty();
        assertThat(credentials.asked).as("no credentials fetched").isEmpty();
        AuditEvent event = audited.getFirst();
        assertThat(event.granted()).isFalse();
        assertThat(event).extracting(AuditEvent::status, AuditEvent::reason, AuditEvent::namespace, AuditEvent::pod,
                AuditEvent::serviceAccount).containsExactly(403, "pod_mismatch", requester.namespace(),
                requester.name(), requester.serviceAccount());
        assertThat(audited).hasSize(1);
    }

    @Test
    void aTokenThatCannotBeVerifiedIsRefusedBeforeThePodIsLookedUp() {
        verifier.failure = new Failure.Unauthenticated("bad_signature", "the token's signature is not valid");

        Failure failure = failureOf(service.credentialsFor(IP, TOKEN));

        assertThat(failure.status()).isEqualTo(401);
        assertThat(pods.asked).isEmpty();
        assertThat(credentials.asked).isEmpty();
        assertThat(audited).singleElement().satisfies(e -> {
            assertThat(e.granted()).isFalse();
            assertThat(e.reason()).isEqualTo("bad_signature");
            assertThat(e.pod()).as("an unverified token names no pod").isNull();
        });
    }

    @Test
    void aTokenOfAPodTheIndexDoesNotHaveIsTransientAndGetsNothing() {
        pods.clear();

        Failure failure = failureOf(service.credentialsFor(IP, TOKEN));

        assertThat(failure.status()).isEqualTo(503);
        assertThat(failure.reason()).isEqualTo("pod_unknown");
        assertThat(rolesAsked).isEmpty();
        assertThat(credentials.asked).isEmpty();
        assertThat(audited).singleElement().satisfies(e -> {
            assertThat(e.granted()).isFalse();
            assertThat(e.status()).isEqualTo(503);
            assertThat(e.sourceIp()).isEqualTo(IP);
        });
    }

    @Test
    void anUnexpectedErrorIsAuditedAsAnInternalDenial() {
        credentials.failure = new IllegalStateException("bug");

        assertThat(service.credentialsFor(IP, TOKEN)).failsWithin(java.time.Duration.ZERO)
                .withThrowableOfType(java.util.concurrent.ExecutionException.class)
                .withRootCauseInstanceOf(IllegalStateException.class);
        assertThat(audited).singleElement().satisfies(e -> {
            assertThat(e.status()).isEqualTo(500);
            assertThat(e.reason()).isEqualTo("internal_error");
        });
    }

    private static Failure failureOf(CompletableFuture<Credentials> future) {
        try {
            future.join();
        } catch (CompletionException e) {
            return Failure.find(e).orElseThrow(() -> new AssertionError("not a Failure", e));
        }
        throw new AssertionError("expected a failure, got credentials");
    }

    private static final class FakeVerifier implements TokenVerifier {
        TokenClaims claims;
        Failure failure;

        @Override
        public CompletableFuture<TokenClaims> verify(String rawToken) {
            return failure != null ? CompletableFuture.failedFuture(failure)
                    : CompletableFuture.completedFuture(claims);
        }

        @Override
        public boolean ready() {
            return true;
        }
    }


    private static final class FakeCredentials implements CredentialProvider {
        final List<Identity> asked = new ArrayList<>();
        RuntimeException failure;

        @Override
        public CompletableFuture<Served> get(Identity identity) {
            asked.add(identity);
            return failure != null ? CompletableFuture.failedFuture(failure)
                    : CompletableFuture.completedFuture(new Served(CREDS, true));
        }

        @Override
        public void prefetch(Identity identity) {
        }
    }
}
