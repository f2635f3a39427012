#!/usr/bin/env bash
# enode as a package, the way the README shows it: `cmake --install` of this build into a
# prefix, then each example in examples/ configured and built against it as a project of
# its own (find_package(enode 0.2)); also a program built with pkg-config alone, and enode
# configured as a subproject (add_subdirectory and FetchContent) of a parent project.
# usage: build.sh SOURCE_DIR BUILD_DIR OUT_DIR
#   OUT_DIR/prefix holds the install, OUT_DIR/bin the example programs afterwards.
set -u
src=$1 build=$2 out=$3
failed=0
check() { # description, then a command that succeeds when it holds
  local what=$1
  shift
  if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; failed=1; fi
}
quiet() { # log command...: runs it, output to the log, shown if it fails
  local log=$1
  shift
  "$@" >"$log" 2>&1 || { cat "$log"; return 1; }
}
# A fixed place under the build tree, so that ccache hits from one run to the next.
rm -rf "$out"
mkdir -p "$out/bin"
prefix=$out/prefix
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)

check "cmake --install puts the package under a prefix" quiet "$out/install.log" cmake --install "$build" --prefix "$prefix"
for f in lib/cmake/enode/enodeConfig.cmake lib/cmake/enode/enodeConfigVersion.cmake lib/pkgconfig/enode.pc \
  include/enode/enode.hpp include/enode/version.hpp lib/libenode_node.a bin/enode; do
  check "installed: $f" test -e "$prefix/$f"
done

# Each example as its own project: nothing set but where the package is.
for ex in workers client; do
  check "examples/$ex builds against the installed package" \
    quiet "$out/$ex.log" bash -c "cmake -S '$src/examples/$ex' -B '$out/$ex' -DCMAKE_PREFIX_PATH='$prefix' \
      -DCMAKE_BUILD_TYPE=Release ${launcher[*]} && cmake --build '$out/$ex'"
  cp "$out/$ex/$ex" "$out/bin/" 2>/dev/null
done

# find_package with a version the package does not meet fails, as it should.
mkdir -p "$out/wrong_version"
printf 'cmake_minimum_required(VERSION 3.25)\nproject(p CXX)\nfind_package(enode 1.0 REQUIRED)\n' \
  >"$out/wrong_version/CMakeLists.txt"
check "find_package(enode 1.0) is refused by the 0.x package" \
  bash -c "! cmake -S '$out/wrong_version' -B '$out/wrong_version/b' -DCMAKE_PREFIX_PATH='$prefix' >'$out/wrong_version.log' 2>&1"

# pkg-config, for builds without CMake.
cat >"$out/pc.cpp" <<'CPP'
#include <enode/term/parse.hpp>
#include <enode/term/print.hpp>
#include <enode/version.hpp>
#include <cstdio>
int main() {
  auto t = enode::term::parse("{ok, [1, 2.5, <<\"x\">>]}");
  std::printf("%s %s\n", std::string(enode::version()).c_str(), enode::term::to_string(*t).c_str());
}
CPP
pc_flags=$(PKG_CONFIG_PATH=$prefix/lib/pkgconfig pkg-config --cflags --libs enode)
check "pkg-config --cflags --libs enode ($pc_flags)" test -n "$pc_flags"
# shellcheck disable=SC2086
check "a program built with pkg-config's flags alone" quiet "$out/pc.log" g++ "$out/pc.cpp" -o "$out/pc" $pc_flags
answer=$("$out/pc" 2>&1)
expected=$(grep -oE 'ENODE_VERSION_(MAJOR|MINOR|PATCH) [0-9]+' "$src/include/enode/version.hpp" | awk '{ print $2 }' | paste -sd.)
check "and it runs ($answer)" test "$answer" = "$expected {ok,[1,2.5,<<\"x\">>]}"
answer=$("$prefix/bin/enode" --version 2>&1)
check "enode --version prints the version of version.hpp ($answer)" test "$answer" = "enode $expected"
check "CHANGELOG.md has a section for $expected" grep -q "^## \\[$expected\\] - " "$src/CHANGELOG.md"
check "LICENSE is Apache-2.0" grep -q "Apache License" "$src/LICENSE"

# As a subproject: the parent's build type and targets stay its own.
for how in add_subdirectory FetchContent; do
  d=$out/parent_$how
  mkdir -p "$d"
  {
    echo 'cmake_minimum_required(VERSION 3.25)'
    echo 'project(parent CXX)'
    if [ "$how" = add_subdirectory ]; then
      echo "add_subdirectory(\"$src\" enode)"
    else
      echo 'include(FetchContent)'
      echo "FetchContent_Declare(enode SOURCE_DIR \"$src\")"
      echo 'FetchContent_MakeAvailable(enode)'
    fi
    echo 'add_executable(app app.cpp)'
    echo 'target_link_libraries(app PRIVATE enode::enode)'
  } >"$d/CMakeLists.txt"
  printf '#include <enode/enode.hpp>\nint main() { return enode::version().empty(); }\n' >"$d/app.cpp"
  check "$how: configures" quiet "$d.log" cmake -S "$d" -B "$d/b" -G Ninja
  check "$how: leaves the parent's build type alone" \
    bash -c "grep -q '^CMAKE_BUILD_TYPE:STRING=\$' '$d/b/CMakeCache.txt'"
  targets=$(cmake --build "$d/b" --target help 2>/dev/null)
  check "$how: no tests, benchmarks or CLI unless asked" \
    bash -c "! grep -qE '(^|/)(enode|enode_test_[a-z]+|enode_bench[a-z_]*|enode_dist_peer)(:| )' <<<'$targets'"
done

exit $failed
