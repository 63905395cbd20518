#!/usr/bin/env bash
# JMH benchmarks of the hot path (agent/src/test/java/io/iamlet/bench), with the GC profiler: time per request
# and bytes allocated per request (gc.alloc.rate.norm). Usage: bench/jmh.sh [JMH options, e.g. -f 1 -i 3]
set -euo pipefail
cd "$(dirname "$0")/.."
# -am: the agent's tests depend on the stand-ins module, which is resolved from the reactor (never installed)
./mvnw -q -B -o -pl agent -am test-compile dependency:build-classpath -Dmdep.outputFile=target/bench.classpath \
  -Dmdep.includeScope=test >/dev/null
java_bin=$(ls -d /usr/lib/jvm/temurin-25*/bin/java | head -1)
cp="agent/target/test-classes:agent/target/classes:$(cat agent/target/bench.classpath)"
exec "$java_bin" --enable-native-access=ALL-UNNAMED -Dlogback.configurationFile=bench/logback-bench.xml \
  -cp "$cp" org.openjdk.jmh.Main -prof gc -jvmArgsAppend "-Dlogback.configurationFile=$(pwd)/bench/logback-bench.xml" \
  "${@:-io.iamlet.bench}"
