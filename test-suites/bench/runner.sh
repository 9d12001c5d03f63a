#!/bin/sh
# Runner benchmarks for BENCHMARKS.md ("Runner"). Needs hyperfine and a release build:
#   cargo build --release -p mxcert && test-suites/bench/runner.sh
# Each comparison runs in the same invocation as its baseline.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
M=${MXCERT:-$here/../../target/release/mxcert}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
uptime

echo "== quick plan, wall time"
hyperfine --runs 5 -N --prepare "rm -rf $tmp/q" "$M run --plan quick --non-interactive --session $tmp/q"

echo "== runner cost per test: 20 trivial command tests vs running the same program 20 times"
hyperfine --runs 10 -N --prepare "rm -rf $tmp/t" \
  "$M run --plan $here/trivial20.toml --non-interactive --session $tmp/t" \
  "sh -c 'for i in \$(seq 20); do /bin/true; done'"

echo "== checks vs dd, alternating, same filesystem ($tmp)"
for i in 1 2 3; do
  rm -rf "$tmp/io"
  "$M" run --plan "$here/io.toml" --non-interactive --session "$tmp/io" 2>/dev/null
  python3 -c "
import json, sys
r = json.load(open(sys.argv[1]))
m = {t['id'] + '.' + x['name']: x['value'] for t in r['results'] for x in t.get('measurements', [])}
print('mxcert storage write', m['storage-rw.write_throughput'], 'MB/s, read', m['storage-rw.read_throughput'],
      'MB/s; memory write', m['memory-pattern.write_throughput'], 'GB/s, verify', m['memory-pattern.verify_throughput'], 'GB/s')
" "$tmp/io/report.json"
  dd if=/dev/zero of="$tmp/dd" bs=1M count=64 conv=fsync 2>&1 | tail -1 | sed 's/^/dd write+fsync: /'
  dd if="$tmp/dd" of=/dev/null bs=1M iflag=direct 2>&1 | tail -1 | sed 's/^/dd read O_DIRECT: /'
  dd if=/dev/zero of=/dev/null bs=256M count=8 2>&1 | tail -1 | sed 's/^/dd zero-fill 256 MiB x8: /'
  rm -f "$tmp/dd"
done
uptime
