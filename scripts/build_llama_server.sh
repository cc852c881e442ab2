#!/usr/bin/env bash
# Build llama.cpp's `llama-server`, the real server the tests in tests/test_real_server*.py use.
#
#     scripts/build_llama_server.sh [llama_cpp_python-<version>.tar.gz]
#
# Where the sources come from: the llama-cpp-python source package on PyPI carries a full copy
# of llama.cpp (vendor/llama.cpp). Building from it means pip is the only thing that downloads,
# and the server matches the llama.cpp that local mode runs in process.
#
# Nothing else is downloaded: every CMake switch that could fetch something (curl, an SSL
# library, the web UI, llguidance, KleidiAI kernels, OpenMP) is turned off below, and only the
# `llama-server` target is built, as one static executable (about 15 MB).
#
# The binary is kept outside the checkout, one folder per version, so a machine builds it once:
#     ${XDG_CACHE_HOME:-~/.cache}/homemade-o1/llama-server/<version>/llama-server
# Run again with that file in place, the script only checks that it runs. The last line it
# prints on stdout is the binary's path; progress and compiler output go to stderr.
# About 14 minutes on 2 cores.
#
# Settings (environment):
#     LLAMA_CPP_PYTHON_VERSION   which source package to build from (default 0.3.36)
#     PYTHON                     the Python whose pip fetches it (default: python3)
#     JOBS                       parallel compile jobs (default: all cores)
set -euo pipefail

version="${LLAMA_CPP_PYTHON_VERSION:-0.3.36}"
python="${PYTHON:-python3}"
sdist="${1:-}"
folder="${XDG_CACHE_HOME:-$HOME/.cache}/homemade-o1/llama-server/$version"
binary="$folder/llama-server"

say() { echo "build_llama_server: $*" >&2; }
runs() { [[ -x "$1" ]] && "$1" --version >/dev/null 2>&1; }

if runs "$binary"; then
    say "already built ($binary)"
    echo "$binary"
    exit 0
fi

for tool in cmake tar "$python"; do
    command -v "$tool" >/dev/null || { say "needs $tool on the PATH"; exit 1; }
done
jobs="${JOBS:-$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)}"

scratch="$(mktemp -d "${TMPDIR:-/tmp}/build-llama-server.XXXXXX")"
trap 'rm -rf "$scratch"' EXIT

if [[ -z "$sdist" ]]; then
    say "fetching the llama-cpp-python $version source package with pip"
    "$python" -m pip download --quiet --no-deps --no-binary :all: \
        --dest "$scratch" "llama-cpp-python==$version" >&2
    sdist="$(ls "$scratch"/llama_cpp_python-*.tar.gz 2>/dev/null | head -n 1)"
fi
[[ -f "$sdist" ]] || { say "no source package found (${sdist:-none})"; exit 1; }

say "unpacking vendor/llama.cpp from $(basename "$sdist")"
tar -xzf "$sdist" -C "$scratch" --wildcards '*/vendor/llama.cpp/*'
source_dir="$(ls -d "$scratch"/llama_cpp_python-*/vendor/llama.cpp 2>/dev/null | head -n 1)"
[[ -f "$source_dir/CMakeLists.txt" ]] || { say "the package holds no vendor/llama.cpp"; exit 1; }

generator=()
builder="make"
if command -v ninja >/dev/null; then
    generator=(-G Ninja)
    builder="ninja"
fi

options=(
    -DCMAKE_BUILD_TYPE=Release
    -DBUILD_SHARED_LIBS=OFF          # one executable, no libllama.so beside it
    -DGGML_NATIVE=OFF                # runs on any x86-64/arm64 CPU, not only this one
    -DLLAMA_BUILD_TESTS=OFF
    -DLLAMA_BUILD_EXAMPLES=OFF
    -DLLAMA_BUILD_TOOLS=ON           # the server lives under tools/
    -DLLAMA_BUILD_SERVER=ON
    -DLLAMA_BUILD_UI=OFF             # no npm build of the web page
    -DLLAMA_USE_PREBUILT_UI=OFF      # and no download of a built one
    -DLLAMA_CURL=OFF                 # no model downloads by URL
    -DLLAMA_OPENSSL=OFF              # no HTTPS, so no SSL library to find or fetch
    -DLLAMA_BUILD_BORINGSSL=OFF
    -DLLAMA_BUILD_LIBRESSL=OFF
    -DLLAMA_LLGUIDANCE=OFF           # would be cloned and built with cargo
    -DGGML_CPU_KLEIDIAI=OFF          # ARM kernels fetched from GitHub
    -DGGML_OPENMP_FETCH=OFF
    -DLLAMA_BUILD_COMMIT="llama-cpp-python-$version"   # the sources have no .git
    -Wno-dev
    --no-warn-unused-cli             # not every switch exists in every llama.cpp
)
say "configuring (builds with $builder, $jobs jobs)"
cmake -S "$source_dir" -B "$scratch/build" "${generator[@]}" "${options[@]}" >&2
say "compiling llama-server"
cmake --build "$scratch/build" --config Release --target llama-server -j "$jobs" >&2

built="$scratch/build/bin/llama-server"
runs "$built" || { say "the new binary does not start: $built"; exit 1; }

# Copy under a temporary name, then rename: another process never sees half a file.
mkdir -p "$folder"
partial="$(mktemp "$folder/.llama-server.XXXXXX")"
cp "$built" "$partial"
chmod 755 "$partial"
mv -f "$partial" "$binary"
say "done: $("$binary" --version 2>&1 | head -n 1)"
echo "$binary"
