"""boto3/botocore as a pod runs it. Usage: python3 py_client.py container|imds

Both modes use boto3's default credential chain (boto3.Session().get_credentials()):
  container: the environment names the container endpoint (AWS_CONTAINER_CREDENTIALS_FULL_URI) and the token
             file (AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE);
  imds:      nothing in the environment, so the chain ends at the instance metadata provider (IMDSv2 first).
Prints one JSON line: {"ok": true, "accessKeyId": ..., "method": ...} or {"ok": false, "error": ...}.
Never prints a secret key or session token.
"""
import json
import logging
import sys
import time


class _Recent(logging.Handler):
    """Keeps botocore's DEBUG lines about the container and metadata providers: the default chain's own error
    ("Unable to locate credentials") does not say whether iamlet refused or nothing answered; these do. Request
    and response bodies of successful calls are not logged by botocore, so no secret lands here."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.lines = []

    def emit(self, record):
        message = record.getMessage()
        if "metadata" in message.lower() or "container" in message.lower():
            self.lines.append(message.replace("\n", " ")[:300])


recent = _Recent()
for name in ("botocore.utils", "botocore.credentials"):
    logging.getLogger(name).setLevel(logging.DEBUG)
    logging.getLogger(name).addHandler(recent)

started = time.monotonic()
mode = sys.argv[1] if len(sys.argv) > 1 else ""
try:
    import boto3
    import botocore

    if mode not in ("container", "imds"):
        raise ValueError("unknown mode %r" % mode)
    credentials = boto3.Session().get_credentials()
    if credentials is None:
        raise RuntimeError("Unable to locate credentials (the default chain found none)")
    frozen = credentials.get_frozen_credentials()
    print(json.dumps({
        "ok": True,
        "accessKeyId": frozen.access_key,
        "method": credentials.method,
        "botocore": botocore.__version__,
        "millis": int((time.monotonic() - started) * 1000),
    }))
except Exception as error:  # report, never a traceback with request details
    print(json.dumps({
        "ok": False,
        "error": ("%s: %s" % (type(error).__name__, error))[:400]
        + ("" if not recent.lines else " | botocore: " + " / ".join(recent.lines[-3:])[:600]),
        "millis": int((time.monotonic() - started) * 1000),
    }))
    sys.exit(1)
