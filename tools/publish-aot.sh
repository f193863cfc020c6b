#!/usr/bin/env bash
# Publishes `backprop` as NativeAOT for linux-x64: one native binary per instruction-set level and a launcher that
# runs the best one this processor has (docs/architecture.md, "Publishing ahead of time").
#
#   tools/publish-aot.sh [OUT]          OUT defaults to artifacts/aot; run OUT/backprop
#   AOT_LEVELS="x86-64-v4" tools/publish-aot.sh    only the levels named (each publish takes minutes on 2 cores)
#
# Each level is `dotnet publish src/Backprop.Cli -c Release -r linux-x64 -p:PublishAot=true -p:IlcInstructionSet=LEVEL`:
#   x86-64-v4  AVX-512 F/BW/CD/DQ/VL: the AVX-512 kernels and results of the JIT on such a machine
#   x86-64-v3  AVX2, FMA, BMI: the Vector256 kernels, for x86-64 machines without AVX-512
# NativeAOT cannot put both in one binary: it compiles IsSupported checks for AVX2 or AVX-512 above the binary's
# level to constant false (Backprop.Cli.csproj says more). Needs a C compiler and linker (clang or gcc).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-artifacts/aot}
levels=${AOT_LEVELS:-x86-64-v4 x86-64-v3}
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

for level in $levels; do
  case $level in
    x86-64-v4|x86-64-v3) ;;
    *) echo "publish-aot: unknown level '$level'; choose from x86-64-v4 x86-64-v3" >&2; exit 2 ;;
  esac
  start=$SECONDS
  dotnet publish src/Backprop.Cli -c Release -r linux-x64 -p:PublishAot=true -p:IlcInstructionSet="$level" \
    -o "$out/$level" -v q -nologo
  echo "publish-aot: $out/$level/Backprop.Cli in $((SECONDS - start)) s" >&2
done

# The launcher: x86-64-v4 where the kernel reports every AVX-512 subset it needs, else x86-64-v3 where AVX2, FMA,
# BMI and LZCNT (abm) are there, else an error that says what is missing. Only published levels are candidates.
cat >"$out/backprop" <<'SH'
#!/bin/sh
# Runs the NativeAOT backprop built for the best instruction-set level this processor has (tools/publish-aot.sh).
here=$(dirname "$(readlink -f "$0")")
flags=" $(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null | cut -d: -f2) "
has() { for f in "$@"; do case $flags in *" $f "*) ;; *) return 1 ;; esac; done; }
if [ -x "$here/x86-64-v4/Backprop.Cli" ] && has avx512f avx512bw avx512cd avx512dq avx512vl; then
  exec "$here/x86-64-v4/Backprop.Cli" "$@"
elif [ -x "$here/x86-64-v3/Backprop.Cli" ] && has avx avx2 fma bmi1 bmi2 abm movbe; then
  exec "$here/x86-64-v3/Backprop.Cli" "$@"
fi
echo "backprop: no published binary in $here suits this processor (x86-64-v4 needs AVX-512, x86-64-v3 AVX2 and FMA); run the JIT build instead (dotnet Backprop.Cli.dll)" >&2
exit 1
SH
chmod +x "$out/backprop"
echo "publish-aot: run $out/backprop" >&2
