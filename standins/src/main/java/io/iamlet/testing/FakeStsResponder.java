package io.iamlet.testing;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/** Decides FakeSts's answer to one request: validation, authentication, then the action. */
final class FakeStsResponder {

    record Answer(FakeStsCall call, String xml) {
    }

    private final FakeSts sts;
    private final FakeStsRequest request;
    private final String requestId = FakeSts.requestId();

    FakeStsResponder(FakeSts sts, FakeStsRequest request) {
        this.sts = sts;
        this.request = request;
    }

    Answer fault(FakeStsFault fault) {
        return error(fault.status(), fault.type(), fault.code(), fault.message(), signer());
    }

    Answer answer() {
        if (!"POST".equals(request.method()) && !"GET".equals(request.method())) {
            return error(405, "Sender", "InvalidAction", "Only GET and POST are supported", null);
        }
        if (!"2011-06-15".equals(request.param("Version"))) {
            return error(400, "Sender", "InvalidAction", "Could not find operation for version "
                    + request.param("Version"), null);
        }
        String action = String.valueOf(request.param("Action"));
        return switch (action) {
            case "AssumeRole" -> assumeRole();
            case "AssumeRoleWithWebIdentity" -> assumeRoleWithWebIdentity();
            case "GetCallerIdentity" -> getCallerIdentity();
            default -> error(400, "Sender", "InvalidAction", "Could not find operation " + action, null);
        };
    }

    private Answer assumeRole() {
        FakeStsSigV4.Result auth = authenticate();
        if (!auth.ok()) {
            return error(403, "Sender", auth.errorCode(), auth.message(), null);
        }
        String invalid = request.validationError(false);
        if (invalid != null) {
            return error(400, "Sender", "ValidationError", "1 validation error detected: " + invalid,
                    auth.accessKeyId());
        }
        var source = sts.issued(auth.accessKeyId());
        if (source.isEmpty()) {
            return issue("AssumeRole", auth.accessKeyId(), "");
        }
        return chain(source.get(), auth.accessKeyId());
    }

    /**
     * AssumeRole signed by credentials FakeSts issued: role chaining. As STS: DurationSeconds above one hour is
     * refused; the target's trust policy may demand an external id ({@link FakeSts#requireExternalId}).
     */
    private Answer chain(FakeStsIssued source, String signedBy) {
        String duration = request.param("DurationSeconds");
        if (duration != null && Integer.parseInt(duration) > FakeSts.MAX_CHAINED_SECONDS) {
            return error(400, "Sender", "ValidationError", "The requested DurationSeconds exceeds the 1 hour session"
                    + " limit for roles assumed by role chaining.", signedBy);
        }
        String target = request.param("RoleArn");
        String required = sts.externalIdRequiredBy(target);
        if (required != null && !required.equals(request.param("ExternalId"))) {
            return error(403, "Sender", "AccessDenied", "User: " + source.assumedRoleArn()
                    + " is not authorized to perform: sts:AssumeRole on resource: " + target, signedBy);
        }
        Answer answer = issue("AssumeRole", signedBy, "");
        sts.chained(new FakeStsChain(signedBy, source.roleArn(), target, request.param("ExternalId"),
                answer.call().durationSeconds(), answer.call().issuedAccessKeyId()));
        return answer;
    }

    private Answer assumeRoleWithWebIdentity() {
        if (request.hasAuthorization()) {
            return error(400, "Sender", "InvalidRequest",
                    "FakeSts: AssumeRoleWithWebIdentity must be sent unsigned", null);
        }
        String invalid = request.validationError(true);
        if (invalid != null) {
            return error(400, "Sender", "ValidationError", "1 validation error detected: " + invalid, null);
        }
        if (!sts.tokenValidator().test(request.param("WebIdentityToken"))) {
            return error(400, "Sender", "InvalidIdentityToken", "The web identity token is not valid", null);
        }
        return issue("AssumeRoleWithWebIdentity", null,
                FakeStsXml.element("SubjectFromWebIdentityToken", "unknown")
                        + FakeStsXml.element("Provider", "fake-oidc"));
    }

    private Answer getCallerIdentity() {
        FakeStsSigV4.Result auth = authenticate();
        if (!auth.ok()) {
            return error(403, "Sender", auth.errorCode(), auth.message(), null);
        }
        String key = auth.accessKeyId();
        String xml = sts.issued(key)
                .map(i -> FakeStsXml.callerIdentity(i.assumedRoleArn(), i.assumedRoleId(), i.account(), requestId))
                .orElseGet(() -> FakeStsXml.callerIdentity(FakeSts.NODE_ARN, "AIDAIAMLETFAKENODE01", "111122223333",
                        requestId));
        return new Answer(call("GetCallerIdentity", 200, null, key, null), xml);
    }

    private Answer issue(String action, String signedBy, String extra) {
        Duration validFor = sts.lifetime() != null ? sts.lifetime() : Duration.ofSeconds(
                request.param("DurationSeconds") == null ? 3600 : Integer.parseInt(request.param("DurationSeconds")));
        FakeStsIssued issued = sts.issue(request.param("RoleArn"), request.param("RoleSessionName"), validFor);
        return new Answer(call(action, 200, null, signedBy, issued.accessKeyId()),
                FakeStsXml.assumed(action, issued, extra, requestId));
    }

    /** Verifies the signature; issued credentials must also present their session token and be unexpired. */
    private FakeStsSigV4.Result authenticate() {
        FakeStsSigV4.Result result = FakeStsSigV4.verify(request.method(), request.rawPath(), request.rawQuery(),
                request.headers(), request.body(), sts::secretFor);
        if (!result.ok()) {
            return result;
        }
        var issued = sts.issued(result.accessKeyId());
        if (issued.isPresent()) {
            String token = request.header("x-amz-security-token");
            if (token == null || !token.equals(issued.get().sessionToken())) {
                return FakeStsSigV4.Result.error("InvalidClientTokenId",
                        "The security token included in the request is invalid.");
            }
            if (!sts.clock().instant().isBefore(issued.get().expiration())) {
                return FakeStsSigV4.Result.error("ExpiredToken",
                        "The security token included in the request is expired");
            }
        }
        return result;
    }

    private String signer() {
        if (!request.hasAuthorization()) {
            return null;
        }
        FakeStsSigV4.Result result = FakeStsSigV4.verify(request.method(), request.rawPath(), request.rawQuery(),
                request.headers(), request.body(), sts::secretFor);
        return result.accessKeyId();
    }

    private Answer error(int status, String type, String code, String message, String signedBy) {
        return new Answer(call(String.valueOf(request.param("Action")), status, code, signedBy, null),
                FakeStsXml.error(type, code, message, requestId));
    }

    private FakeStsCall call(String action, int status, String errorCode, String signedBy, String issuedKey) {
        String token = request.param("WebIdentityToken");
        String duration = request.param("DurationSeconds");
        Integer seconds = null;
        try {
            seconds = duration == null ? null : Integer.valueOf(duration);
        } catch (NumberFormatException ignored) {
            // recorded as absent; validation already answered
        }
        Map<String, String> tags = request.tags();
        List<String> transitive = request.members("TransitiveTagKeys", null);
        return new FakeStsCall(action, request.param("RoleArn"), request.param("RoleSessionName"), seconds,
                Collections.unmodifiableMap(tags),
                List.copyOf(transitive),
                token == null ? null : FakeStsSigV4.hex(FakeStsSigV4.sha256(token.getBytes(StandardCharsets.UTF_8))),
                request.hasAuthorization(), signedBy, issuedKey, status, errorCode, requestId,
                request.param("ExternalId"));
    }
}
