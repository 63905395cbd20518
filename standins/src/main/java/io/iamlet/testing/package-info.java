/**
 * Stand-ins for the systems iamlet talks to, used by the tests and by {@code iamlet demo}: an STS that checks
 * SigV4 signatures and speaks STS's XML ({@link io.iamlet.testing.FakeSts}), a signer of projected
 * service-account tokens with the matching JWKS ({@link io.iamlet.testing.TestTokens}), and pod fixtures for the
 * fabric8 mock API server ({@link io.iamlet.testing.TestPods}). Never used by {@code iamlet serve}.
 */
package io.iamlet.testing;
