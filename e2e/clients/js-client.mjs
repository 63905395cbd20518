// The AWS SDK for JavaScript v3 as a pod runs it. Usage: node js-client.mjs container|imds
//   container: the Node.js default chain (fromNodeProviderChain); the environment names the container endpoint
//              (AWS_CONTAINER_CREDENTIALS_FULL_URI) and the token file (AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE).
//   imds:      the instance metadata provider (fromInstanceMetadata): IMDSv2 at 169.254.169.254.
// Prints one JSON line: {"ok":true,"accessKeyId":...,"expiration":...} or {"ok":false,"error":...}.
// Never prints a secret key or session token.
import { fromInstanceMetadata, fromNodeProviderChain } from '@aws-sdk/credential-providers';

const mode = process.argv[2];
const started = Date.now();
try {
  let provider;
  if (mode === 'container') {
    provider = fromNodeProviderChain();
  } else if (mode === 'imds') {
    provider = fromInstanceMetadata({ timeout: 1000, maxRetries: 1 });
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
  const credentials = await provider();
  console.log(JSON.stringify({
    ok: true,
    accessKeyId: credentials.accessKeyId,
    expiration: credentials.expiration ? credentials.expiration.toISOString() : null,
    millis: Date.now() - started,
  }));
} catch (error) {
  console.log(JSON.stringify({
    ok: false,
    error: `${error.name}: ${error.message}`.slice(0, 600),
    millis: Date.now() - started,
  }));
  process.exitCode = 1;
}
