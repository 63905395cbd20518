#!/usr/bin/env bash
# bench/aot-map.sh [OUT]: where the AOT cache's bytes go, by library. Trains a cache into OUT (default
# /tmp/aot-map/iamlet.aot; the repository's own cache is left alone) with the assembly phase's map log
# (-Xlog:aot+map=trace, ~280 MB of text), then sums the class metadata (classes, methods, bytecode, constant pools
# and the arrays that follow them) by the class that owns them, grouped by package: MiB and classes per group,
# largest first. Symbols are shared between classes and reported as one line. Needs a built jar and stand-ins
# (./mvnw -q -B -DskipTests package); loopback only, as bin/iamlet aot-train. TOP=N prints N groups (default 40).
set -euo pipefail
out="$(realpath -m "${1:-/tmp/aot-map/iamlet.aot}")"
mkdir -p "$(dirname "$out")"
cd "$(dirname "$0")/.."
export JAVA_HOME="${JAVA_HOME:-$(ls -d /usr/lib/jvm/temurin-25* | head -1)}"
map="$out.map"
IAMLET_AOT_CACHE="$out" JDK_AOT_VM_OPTIONS="-Xlog:aot+map=trace:file=$map:none:filesize=0" bin/iamlet aot-train >/dev/null
python3 - "$map" <<'PY'
import collections, re, sys
line = re.compile(r'^0x([0-9a-f]+): @@ (\S+)\s+(\d+)\s?(.*)$')
objects = []
for text in open(sys.argv[1]):
    m = line.match(text)
    if m and m.group(2) != 'Object':  # archived heap objects: not class metadata
        objects.append((int(m.group(1), 16), m.group(2), int(m.group(3)), m.group(4)))
objects.sort()

def owner(kind, rest):
    if kind in ('Class', 'ConstantPool', 'ConstantPoolCache', 'KlassTrainingData'):
        return rest.split()[0] if rest else None
    if kind in ('Method', 'ConstMethod', 'MethodCounters', 'MethodTrainingData'):
        m = re.match(r'\S+ (\S+)\(', rest)
        return m.group(1).rsplit('.', 1)[0] if m else None
    return None

def group(name):
    if name is None:
        return '(unattributed)'
    name = name.lstrip('[L')
    if '$$Lambda' in name:
        return 'lambdas of ' + '.'.join(name.split('.')[:2])
    if 'LambdaForm$' in name or 'Species_' in name:
        return 'lambda forms'
    parts = name.split('.')
    return '.'.join(parts[:3] if parts[0] in ('io', 'com', 'tools', 'jdk') else parts[:2])

size, classes, current = collections.Counter(), collections.Counter(), None
for _, kind, n, rest in objects:
    if kind == 'Symbol':
        size['(symbols)'] += n
        continue
    o = owner(kind, rest)
    current = o or current  # arrays and tables follow the class or method that owns them
    size[group(current)] += n
    if kind == 'Class':
        classes[group(o)] += 1
print(f'{sum(size.values()) / 2**20:.1f} MiB of metadata, {sum(classes.values())} classes')
for g, n in size.most_common(int(__import__("os").environ.get("TOP","40"))):
    print(f'{n / 2**20:7.2f} MiB {classes[g]:6d}  {g}')
PY
