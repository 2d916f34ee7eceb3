#!/usr/bin/env bash
# Checks what scripts/dist.sh wrote into dist/: the checksums, the tarball's
# contents, the .deb's control data and file list, and the .deb installed into
# a scratch root (dpkg -x): its binary runs, its man page renders.
#
#   scripts/check-dist.sh
#
# Installs man-db with apt-get when `man` is missing (as root, or with
# password-less sudo; scripts/tools.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

me=$(basename "$0")
die() {
    printf '%s: %s\n' "$me" "$*" >&2
    exit 1
}
step() { printf '== %s\n' "$*"; }

[[ -f dist/SHA256SUMS ]] || die "no dist/SHA256SUMS: run scripts/dist.sh first"
deb=$(ls dist/exoset_*_amd64.deb 2>/dev/null | head -n 1)
tarball=$(ls dist/exoset-*-x86_64-unknown-linux-gnu.tar.gz 2>/dev/null | head -n 1)
[[ -n $deb && -n $tarball ]] || die "dist/ lacks the .deb or the tarball"

tools_me=$me
# shellcheck source=scripts/tools.sh
source scripts/tools.sh
tools_man

step "sha256sum -c"
(cd dist && sha256sum -c SHA256SUMS)

step "tarball contents"
listing=$(tar -tzf "$tarball")
echo "$listing"
for want in exoset README.md LICENSE-MIT LICENSE-APACHE man/exoset.1 man/exoset-set.1 \
    man/exoset-auth-login.1 man/exoset-doctor.1 completions/exoset.bash completions/_exoset \
    completions/exoset.fish; do
    grep -q "^exoset-[^/]*/$want\$" <<<"$listing" || die "the tarball lacks $want"
done

step "dpkg-deb --info"
dpkg-deb --info "$deb"
[[ $(dpkg-deb --field "$deb" Package) == exoset ]] || die "package name"
[[ $(dpkg-deb --field "$deb" Architecture) == amd64 ]] || die "architecture"

step "dpkg-deb --contents"
contents=$(dpkg-deb --contents "$deb")
echo "$contents"
for want in ./usr/bin/exoset \
    ./usr/share/man/man1/exoset.1.gz \
    ./usr/share/man/man1/exoset-set.1.gz \
    ./usr/share/man/man1/exoset-auth-login.1.gz \
    ./usr/share/man/man1/exoset-doctor.1.gz \
    ./usr/share/bash-completion/completions/exoset \
    ./usr/share/zsh/vendor-completions/_exoset \
    ./usr/share/fish/vendor_completions.d/exoset.fish \
    ./usr/share/doc/exoset/copyright; do
    awk '{ print $NF }' <<<"$contents" | grep -qx "$want" || die "the .deb lacks $want"
done

step "dpkg -x into a scratch root"
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
dpkg -x "$deb" "$root"
"$root/usr/bin/exoset" --version
head -n 1 "$root/usr/share/doc/exoset/copyright" |
    grep -qx 'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/' ||
    die "copyright is not in the DEP-5 format"
bash -n "$root/usr/share/bash-completion/completions/exoset" || die "bash completion does not parse"

step "man -l exoset.1.gz"
page=$(MANPAGER=cat MANWIDTH=80 man -l "$root/usr/share/man/man1/exoset.1.gz" 2>/dev/null)
head -n 20 <<<"$page"
for section in NAME SYNOPSIS 'EXIT STATUS' ENVIRONMENT FILES EXAMPLES; do
    grep -q "^$section" <<<"$page" || die "exoset(1) has no $section section"
done
MANPAGER=cat MANWIDTH=80 man -l "$root/usr/share/man/man1/exoset-set.1.gz" 2>/dev/null |
    grep -q 'exoset set' || die "exoset-set(1) does not render"
echo "$me: dist/ is good"
