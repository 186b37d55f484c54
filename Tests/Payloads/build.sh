#!/bin/sh
# Assembles the test payloads into Tests/Fixtures/guests (binutils `as`/`ld`/`objcopy`).
# Flat real-mode binaries are linked at 0x7c00, flat long-mode ones at 0x100000; long-hello is
# also kept as an ELF executable for the ELF loader.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out="$here/../Fixtures/guests"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"
for src in "$here"/*.S; do
    name=$(basename "$src" .S)
    case "$name" in real-*) base=0x7c00 ;; *) base=0x100000 ;; esac
    as --64 -I "$here" -o "$tmp/$name.o" "$src"
    ld -m elf_x86_64 -N -e _start -Ttext="$base" -o "$tmp/$name.elf" "$tmp/$name.o"
    objcopy -O binary "$tmp/$name.elf" "$out/$name.bin"
    case "$name" in long-*) cp "$tmp/$name.elf" "$out/$name.elf" ;; esac
done
ls -l "$out"
