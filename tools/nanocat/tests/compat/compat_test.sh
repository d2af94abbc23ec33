#!/usr/bin/env bash
# Runs nanomsg_script.sh, a script written for nanomsg's nanocat, with the
# nanocat given as $1 and requires the transcript in expected.txt.
#
# expected.txt is what the script prints when nothing is lost. nanomsg's
# own nanocat prints the same except for messages it drops: it closes its
# socket right after the last send, so a one-shot PUB, PUSH or BUS loses
# what is still queued (three runs with nanocat 1.1.5 each lost some, each
# different ones; nothing else differed). To see it:
#   NANOCAT=/usr/bin/nanocat tools/nanocat/tests/compat/nanomsg_script.sh | diff expected.txt -
set -euo pipefail
here=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")
nanocat=${1:?usage: compat_test.sh PATH_TO_NANOCAT}
actual=$(mktemp)
trap 'rm -f "$actual"' EXIT
status=0
NANOCAT=$nanocat "$here/nanomsg_script.sh" >"$actual" || status=$?
if ((status != 0)); then
  echo "the script failed with status $status; its transcript:" >&2
  cat "$actual" >&2
  exit 1
fi
if ! diff -u "$here/expected.txt" "$actual"; then
  echo "the transcript differs from expected.txt (- expected, + got)" >&2
  exit 1
fi
echo "transcript as expected"
