#!/bin/sh
# Seeds corpus/<target>/ with real inputs: the shared fixtures (when present), the project's
# fixture roots and inventories, and this machine's lspci/lsusb output. Run from anywhere.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
shared=${MXCERT_SHARED_FIXTURES:-$repo/../shared/fixtures}

# seed TARGET FILE...: copies the files that exist into corpus/TARGET and corpus/import_detect.
seed() {
  target=$1; shift
  mkdir -p "$here/corpus/$target" "$here/corpus/import_detect"
  for f in "$@"; do
    [ -f "$f" ] || continue
    name=$(echo "$f" | tr '/' '_')
    cp "$f" "$here/corpus/$target/$name"
    case $target in import_*) cp "$f" "$here/corpus/import_detect/$name" ;; esac
  done
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
seed import_udevadm "$shared"/udevadm/*.txt
seed import_umockdev "$shared"/umockdev/*.umockdev
seed import_json "$repo"/test-suites/tests/fixtures/inventories/*.json
seed edid "$repo"/core/tests/fixtures/edid/*.bin
printf '00:02.0 VGA compatible controller [0300]: Intel Corporation TigerLake-LP GT2 [Iris Xe Graphics] [8086:9a49] (rev 01)\n\tSubsystem: Dell Device [1028:0a1f]\n\tKernel driver in use: i915\n\tKernel modules: i915\n' > "$tmp/lspci-sample"
command -v lspci >/dev/null && lspci -nnk > "$tmp/lspci-local" 2>/dev/null || true
seed import_lspci "$tmp"/lspci-*
printf 'Bus 001 Device 002: ID 046d:c52b Logitech, Inc. Unifying Receiver\nDevice Descriptor:\n  bDeviceClass 0\n  iSerial 3 0123456789\n    Interface Descriptor:\n      bInterfaceNumber 0\n      bInterfaceClass 3\n      bInterfaceSubClass 1\n      bInterfaceProtocol 1\n' > "$tmp/lsusb-sample"
seed import_lsusb "$tmp"/lsusb-*
for dir in "$repo"/cli/tests/fixtures/roots/laptop/sys/firmware/dmi/tables "$shared"/smbios/dell_xps13; do
  if [ -f "$dir/DMI" ]; then
    name=$(echo "$dir" | tr '/' '_')
    { head -c 24 "$dir/smbios_entry_point"; cat "$dir/DMI"; } > "$tmp/smbios-$name"
  fi
done
seed smbios "$tmp"/smbios-*
seed ids "$repo"/cli/tests/fixtures/roots/*/usr/share/misc/*.ids
seed plan "$repo"/test-suites/plans/*.toml "$repo"/cli/tests/fixtures/plans/*.toml
printf '{"payloadType":"application/vnd.mxos.report.v1+json","payload":"eyJzY2hlbWFfdmVyc2lvbiI6MX0=","signatures":[{"keyid":"%s","sig":"%s"}]}' \
  "$(printf '%064d' 0)" "$(head -c 64 /dev/zero | base64 -w0)" > "$tmp/dsse-envelope"
seed dsse "$tmp"/dsse-* "$repo"/test-suites/tests/fixtures/inventories/*.json
# The project's own importer fixtures for the importers.
seed import_lspci "$repo"/core/tests/fixtures/import/*.lspci-*.txt "$repo"/registry-server/tests/fixtures/check/*.lspci-*.txt
seed import_lsusb "$repo"/core/tests/fixtures/import/*.lsusb-*.txt "$repo"/registry-server/tests/fixtures/check/*.lsusb.txt
seed import_udevadm "$repo"/core/tests/fixtures/import/*.udevadm-*.txt
echo "seeded $(find "$here/corpus" -type f | wc -l) inputs under $here/corpus"
