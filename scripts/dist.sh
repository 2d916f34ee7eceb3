#!/usr/bin/env bash
# Builds the release artefacts for Linux x86_64 into dist/:
#
#   exoset-VERSION-x86_64-unknown-linux-gnu.tar.gz   binary, man pages,
#       completions (bash, zsh, fish), README, licences
#   exoset_VERSION_amd64.deb                          the same, installed where
#       Debian puts each (binary /usr/bin, man pages gzipped, completions where
#       each shell looks, DEP-5 copyright)
#   SHA256SUMS                                        over both
#
# The binary is built once, with cargo-zigbuild against glibc 2.17, so it runs
# on old enterprise Linux (RHEL/CentOS 7 and newer); the script fails if it
# needs any newer glibc symbol. The man pages and completions are written by
# that same binary, and it is smoke-tested (--version, fields, a get against
# `exoset sim`) before the checksums are written.
#
#   scripts/dist.sh
#
# Installs what it needs when missing (idempotent; pinned versions; see
# scripts/tools.sh): ziglang from PyPI (pip), cargo-zigbuild and cargo-deb
# from crates.io, binutils. Honours CARGO_TARGET_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."

GLIBC_FLOOR=2.17
TRIPLE=x86_64-unknown-linux-gnu

me=$(basename "$0")
say() { printf '%s: %s\n' "$me" "$*" >&2; }
die() {
    say "$*"
    exit 1
}
started=$SECONDS

# --- tools (scripts/tools.sh: each installed only when missing) ---------
tools_me=$me
# shellcheck source=scripts/tools.sh
source scripts/tools.sh
tools_dist
python=$(tools_python)
# Build output goes where cargo puts it: CARGO_TARGET_DIR or build.target-dir
# when set, else target/. Every path below that reads build output starts here.
target=$(target_dir)
say "target folder: $target"

version=$(cargo metadata --no-deps --format-version 1 |
    "$python" -c 'import json,sys; print(next(p["version"] for p in json.load(sys.stdin)["packages"] if p["name"] == "exoset"))')
[[ -n $version ]] || die "cannot read the version from Cargo.toml"
# Timestamps inside the archives: the last commit's, so a rebuild of the
# same commit gives the same tarball.
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}

# --- build once ---------------------------------------------------------
say "building exoset $version for $TRIPLE with glibc $GLIBC_FLOOR"
cargo zigbuild --release --locked --target "$TRIPLE.$GLIBC_FLOOR"
bin=$target/$TRIPLE/release/exoset
[[ -x $bin ]] || die "the build left no $bin"

# --- glibc floor --------------------------------------------------------
newest=$(objdump -T "$bin" | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/^GLIBC_//' | sort -Vu | tail -n 1)
[[ -n $newest ]] || die "objdump found no GLIBC symbol versions in $bin"
if [[ $(printf '%s\n%s\n' "$newest" "$GLIBC_FLOOR" | sort -V | tail -n 1) != "$GLIBC_FLOOR" ]]; then
    objdump -T "$bin" | grep -E "GLIBC_$newest" | head -n 20 >&2 || true
    die "$bin needs glibc $newest, newer than the $GLIBC_FLOOR floor"
fi
needed=$(objdump -p "$bin" | awk '/NEEDED/ { print $2 }' | sort | tr '\n' ' ')
say "newest glibc symbol: GLIBC_$newest (floor $GLIBC_FLOOR); shared libraries: $needed"

# --- man pages and completions, made by the binary itself ---------------
# Under $target/$TRIPLE/release/ so that cargo-deb, which reads the
# `target/release/…` asset paths of Cargo.toml relative to the real target
# folder (and the --target triple), finds them wherever the target folder is.
assets=$target/$TRIPLE/release/dist-assets
rm -rf "$assets"
mkdir -p "$assets/man" "$assets/completions"
"$bin" man --out "$assets/man" >/dev/null
for page in "$assets"/man/*.1; do
    gzip -9nc "$page" >"$page.gz"
done
"$bin" completions bash >"$assets/completions/exoset.bash"
"$bin" completions zsh >"$assets/completions/_exoset"
"$bin" completions fish >"$assets/completions/exoset.fish"

# --- smoke test ---------------------------------------------------------
smoke=$(mktemp -d)
sim_pid=
cleanup() {
    if [[ -n $sim_pid ]]; then
        kill "$sim_pid" 2>/dev/null || true
        wait "$sim_pid" 2>/dev/null || true
    fi
    rm -rf "$smoke"
}
trap cleanup EXIT

shown=$("$bin" --version)
[[ $shown == "exoset $version" ]] || die "--version says '$shown', expected 'exoset $version'"
"$bin" fields >"$smoke/fields" || die "exoset fields failed"
grep -q 'timezone' "$smoke/fields" || die "exoset fields does not list common.timezone"

EXOSET_HOME="$smoke/home" "$bin" sim --port 0 >"$smoke/sim.out" 2>&1 &
sim_pid=$!
url=
for _ in $(seq 1 100); do
    url=$(grep -o 'listening on http://[^ ]*' "$smoke/sim.out" 2>/dev/null | sed 's/^listening on //' || true)
    [[ -n $url ]] && break
    kill -0 "$sim_pid" 2>/dev/null || break
    sleep 0.1
done
[[ -n $url ]] || {
    cat "$smoke/sim.out" >&2
    die "exoset sim printed no URL"
}
demo_env=(env EXOSET_HOME="$smoke/home" EXOSET_BASE_URL="$url" EXOSET_TENANT_SID=exoset-demo
    EXOSET_API_KEY=demo-key EXOSET_API_TOKEN=demo-token EXOSET_PROFILE=)
"${demo_env[@]}" "$bin" get common.timezone >"$smoke/get" 2>&1 || {
    cat "$smoke/get" >&2
    die "exoset get against the simulator failed"
}
grep -q 'IST' "$smoke/get" || {
    cat "$smoke/get" >&2
    die "exoset get did not print the demo timezone"
}
"${demo_env[@]}" "$bin" doctor --json </dev/null >"$smoke/doctor.json" 2>&1 || {
    cat "$smoke/doctor.json" >&2
    die "exoset doctor failed against the simulator"
}
kill "$sim_pid" 2>/dev/null || true
wait "$sim_pid" 2>/dev/null || true
sim_pid=
say "smoke test passed: --version, fields, get and doctor against the simulator"

# --- tarball ------------------------------------------------------------
rm -rf dist
mkdir -p dist
name=exoset-$version-$TRIPLE
stage=$smoke/$name
mkdir -p "$stage/man" "$stage/completions"
cp "$bin" "$stage/exoset"
cp "$assets"/man/*.1 "$stage/man/"
cp "$assets"/completions/* "$stage/completions/"
cp README.md LICENSE-MIT LICENSE-APACHE "$stage/"
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$SOURCE_DATE_EPOCH" \
    -C "$smoke" -cf - "$name" | gzip -9n >"dist/$name.tar.gz"

# --- .deb ---------------------------------------------------------------
# --target makes cargo-deb take target/release/exoset from target/$TRIPLE;
# --no-build reuses the binary checked above; it is stripped by the profile.
cargo deb --no-build --no-strip --target "$TRIPLE" --output "dist/exoset_${version}_amd64.deb" >/dev/null

# --- checksums ----------------------------------------------------------
(cd dist && sha256sum "$name.tar.gz" "exoset_${version}_amd64.deb" >SHA256SUMS)
ls -l dist >&2
say "done in $((SECONDS - started)) s"
