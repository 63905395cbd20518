# syntax=docker/dockerfile:1
# iamlet runtime image: one image for both containers of the DaemonSet (daemonset/base/daemonset.yaml) and for
# the admission webhook's Deployment (daemonset/webhook)
#   iamlet serve        uid 65532, NET_BIND_SERVICE     the agent
#   iamlet node-setup   uid 0, NET_ADMIN + NET_RAW      init container: link-local addresses, iptables DNAT
#   iamlet webhook      uid 65532, no capabilities      the admission webhook (its own jar)
#
# The jars are built outside the image, then (BuildKit, the default builder since Docker 23):
#   ./mvnw -B package -DskipTests          # -> agent/target/iamlet.jar (shaded), webhook/target/iamlet-webhook.jar,
#                                          #    standins/target/*-all.jar
#   docker build -t ghcr.io/iamlet/iamlet:0.1.0 .
# Both architectures in one image index (one jar serves both: it carries Netty's epoll library for linux-x86_64 and
# linux-aarch_64, and nothing in this file or the launcher is specific to one architecture):
#   docker buildx build --platform linux/amd64,linux/arm64 -t ghcr.io/iamlet/iamlet:0.1.0 --push .
# Each platform's stage runs its own AOT training run (below) with that platform's JVM, so each image gets a cache
# its own JVM accepts; on a builder of the other architecture that run goes through QEMU and takes minutes.
# The build also writes the production jar's CycloneDX SBOM (agent/target/iamlet-sbom.json); docs/security.md says
# how releases attach it and how to verify the image's signature (cosign).
#
# Base: the Temurin JRE on Ubuntu 24.04 (an image index for amd64 and arm64), pinned to the JDK the project is
# built and tested with (25.0.3+9). Release builds add the digest of the index:
#   --build-arg BASE_IMAGE=eclipse-temurin:25.0.3_9-jre-noble@sha256:...
ARG BASE_IMAGE=eclipse-temurin:25.0.3_9-jre-noble
FROM ${BASE_IMAGE}

# iptables and iproute2 serve only node-setup/node-teardown, yet they live in this image: a second image would
# add a second JRE-sized download per node and could drift from the agent's version, while these packages and
# their libraries (libnftnl, libmnl, libbpf, libelf) are small next to the JRE. The iptables package carries
# both backends (iptables-nft, the default alternative, and iptables-legacy); rules must go to the backend the
# node's kube-proxy uses. libcap2-bin provides setcap and stays installed: iproute2 depends on it.
#
# Port 80 for a non-root `iamlet serve`: java-netbind, a copy of the java launcher with the file capability
# cap_net_bind_service=ep. The plain launcher stays without it, because the kernel refuses to exec a file whose
# capabilities are outside the bounding set, and node-setup's bounding set is NET_ADMIN + NET_RAW
# (daemonset/image/iamlet chooses the launcher). A binary with file capabilities runs in the dynamic loader's
# secure mode, which ignores the launcher's $ORIGIN-relative library path; the ld.so.conf entry is what keeps it
# from failing with "libjli.so: cannot open shared object file".
#
# The agent container must allow privilege escalation for that file capability to be granted, so the image
# keeps no setuid/setgid files: nothing else is left to escalate to.
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends iptables iproute2 libcap2-bin; \
    rm -rf /var/lib/apt/lists/*; \
    cp -p "$JAVA_HOME/bin/java" "$JAVA_HOME/bin/java-netbind"; \
    setcap cap_net_bind_service=+ep "$JAVA_HOME/bin/java-netbind"; \
    echo "$JAVA_HOME/lib" > /etc/ld.so.conf.d/iamlet-java.conf; \
    ldconfig; \
    find / -xdev -type f -perm /6000 -exec chmod ug-s {} +; \
    groupadd --system --gid 65532 iamlet; \
    useradd --system --uid 65532 --gid 65532 --home-dir /nonexistent --no-create-home \
        --shell /usr/sbin/nologin iamlet

COPY daemonset/image/iamlet /usr/local/bin/iamlet
COPY agent/target/iamlet.jar /opt/iamlet/iamlet.jar

# The JDK's AOT cache for `serve` (JEP 483/514/515): classes loaded and linked, and method profiles, from a
# training run; it roughly halves the time to ready and the first request's latency (docs/install.md). The run
# uses the image's own launcher, jar path and flags, because the JVM uses a cache only with the same jar (path,
# size, mtime) and the same object layout; -XX:MaxRAM stands in for a pod's memory limit so that the heap, and with
# it the compressed-oops mode, is the pod's and not the build machine's. The stand-ins it talks to (API server,
# STS, metadata, all on loopback) and the script are bind-mounted for this step only: no layer carries them.
# A cache that does not match at run time is ignored with a warning on stderr; serve starts without it. The
# training also writes /opt/iamlet/iamlet.aot.jar (the jar's size and mtime), which the launcher checks first.
RUN --mount=type=bind,source=standins/target/iamlet-standins-all.jar,target=/tmp/aot-train/standins.jar \
    --mount=type=bind,source=daemonset/image,target=/tmp/aot-train/image \
    set -eux; \
    IAMLET_LAUNCHER=/usr/local/bin/iamlet JAVA_OPTS=-XX:MaxRAM=256m \
        /tmp/aot-train/image/aot-train.sh /opt/iamlet/iamlet.aot /tmp/aot-train/standins.jar; \
    chmod 0644 /opt/iamlet/iamlet.aot /opt/iamlet/iamlet.aot.jar

# The admission webhook's jar (`iamlet webhook`), after the training: the AOT cache is the agent's alone, so a
# change of the webhook does not retrain it.
COPY webhook/target/iamlet-webhook.jar /opt/iamlet/iamlet-webhook.jar

LABEL org.opencontainers.image.title="iamlet" \
      org.opencontainers.image.description="Node-local AWS credential agent for Kubernetes"

# The DaemonSet sets the same uid (and uid 0 for node-setup); numeric so that runAsNonRoot can verify it.
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/iamlet"]
CMD ["serve"]
