#!/usr/bin/env bash
# Runs every test project and the browser test, then prints one summary line.
set -uo pipefail
cd "$(dirname "$0")/.."
CONFIG=${CONFIG:-Release}
results=$(mktemp -d)
status=0
for proj in tests/*.Tests/*.csproj; do
  name=$(basename "$proj" .csproj)
  echo "=== $name"
  dotnet test "$proj" -c "$CONFIG" --no-build --nologo -v:q --logger "trx;LogFileName=$name.trx" --results-directory "$results" "$@" || status=1
done
if [ -f tests/e2e/webchat.test.mjs ]; then
  echo "=== e2e (web chat in chromium)"
  node --test tests/e2e/ 2>&1 | tee "$results/e2e.txt" || status=1
fi
# One closing line over all .NET projects: sum the trx counters.
python3 - "$results" <<'PY' || true
import sys, glob, re
p = f = s = 0
for t in glob.glob(sys.argv[1] + "/*.trx"):
    txt = open(t, encoding="utf-8", errors="replace").read()
    m = re.search(r'<Counters [^>]*total="(\d+)"[^>]*passed="(\d+)"[^>]*failed="(\d+)"', txt)
    if m:
        tot, pa, fa = map(int, m.groups()); p += pa; f += fa; s += tot - pa - fa
for e in glob.glob(sys.argv[1] + "/e2e.txt"):
    txt = open(e, encoding="utf-8", errors="replace").read()
    mp = re.findall(r'^# pass (\d+)', txt, re.M); mf = re.findall(r'^# fail (\d+)', txt, re.M)
    p += sum(map(int, mp)); f += sum(map(int, mf))
print(f"{p} passed, {f} failed" + (f", {s} skipped" if s else ""))
PY
exit $status
