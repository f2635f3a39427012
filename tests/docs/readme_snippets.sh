#!/usr/bin/env bash
# Every ```cpp block of a Markdown file compiles as written. Each block is compiled on its
# own, with its #include lines first and the rest as the body of a function that has
# what the README's blocks take as given without declaring it (snippet_context.hpp): a
# node `n`, a `my_log` sink, the namespace aliases `term`, `rt` and `bh`, `atom`, and the
# chrono literals. A block with a line `// inside a process:` is the body of a coroutine
# with its process `self`; a block with `int main(` is a translation unit of its own. A
# block right after a line `<!-- file: PATH -->` must also be that file of the repository,
# as it is.
# usage: readme_snippets.sh MARKDOWN INCLUDE_DIR OUT_DIR [CXX]
set -u
md=$1 include=$2 out=$3 cxx=${4:-c++}
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$out"
mkdir -p "$out"
flags=(-std=c++20 -I "$include" -I "$out")
# The context once, as a precompiled header: each block then compiles in a few seconds.
cp "$here/snippet_context.hpp" "$out/snippet_context.hpp"
"$cxx" "${flags[@]}" -x c++-header "$out/snippet_context.hpp" -o "$out/snippet_context.hpp.gch" || exit 1

# Splits the blocks into block_N.cpp (N from 1), remembering each one's line.
awk -v out="$out" '
  /^```cpp[[:space:]]*$/ {
    n++; f = 1; file = out "/block_" n ".txt"; print NR > (out "/block_" n ".line")
    if (prev ~ /^<!-- file: [^ ]+ -->$/) { split(prev, w, " "); print w[3] > (out "/block_" n ".file") }
    printf "" > file
    next
  }
  /^```/ { f = 0 }
  f { print > file }
  { prev = $0 }
' "$md"

failed=0 count=0
for body in "$out"/block_*.txt; do
  [ -e "$body" ] || continue
  n=${body##*/block_}
  n=${n%.txt}
  line=$(cat "$out/block_$n.line")
  src=$out/block_$n.cpp
  {
    echo '#include "snippet_context.hpp"'
    grep -E '^#include' "$body"
    if grep -q '^int main(' "$body"; then
      echo "#line $((line + 1)) \"$md\""
      sed 's/^#include.*//' "$body"
    elif grep -q '^// inside a process:' "$body"; then
      echo 'rt::awaitable<void> snippet(rt::process& self) {'
      echo "#line $((line + 1)) \"$md\""
      sed 's/^#.*//' "$body"
      echo '}'
    else
      echo 'int snippet() {'
      echo "#line $((line + 1)) \"$md\""
      sed 's/^#include.*//' "$body"
      echo 'return 0;'
      echo '}'
    fi
  } >"$src"
  count=$((count + 1))
  if [ -e "$out/block_$n.file" ]; then
    path=$(cat "$out/block_$n.file")
    if cmp -s "$body" "$include/../$path"; then
      echo "ok: the block at line $line is $path"
    else
      echo "FAIL: the block at line $line differs from $path:"
      diff "$include/../$path" "$body"
      failed=1
    fi
  fi
  if "$cxx" "${flags[@]}" -fsyntax-only "$src" 2>"$out/block_$n.log"; then
    echo "ok: the block at line $line compiles"
  else
    echo "FAIL: the block at line $line does not compile:"
    cat "$out/block_$n.log"
    failed=1
  fi
done
[ $count -gt 0 ] || { echo "FAIL: no cpp block in $md"; exit 1; }
echo "$count blocks"
exit $failed
