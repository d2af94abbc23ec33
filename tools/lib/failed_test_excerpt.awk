# Prints the telling part of each failed test's output in a CTest log
# written with --output-on-failure: from its first failure or sanitizer
# report, 12 lines, each cut to 200 characters (or, with neither, the
# output's last 12 lines). At most `max` tests (default 2). tools/test.sh
# prints this at the very end of its run, because a CI log is often read
# from its tail alone.
#
#   awk -v max=2 -f tools/lib/failed_test_excerpt.awk build/asan/ctest.log

function is_result(line) { return line ~ /^ *[0-9]+\/[0-9]+ Test +#[0-9]+: / }
function ends_block(line) {
  return is_result(line) || line ~ /^ +Start +[0-9]+: / || line ~ /^[0-9]+% tests passed/
}
function flush(    i, first, from, to) {
  if (name == "") return
  while (n > 0 && buf[n] ~ /^[ \t]*$/) n--
  if (shown < max) {
    first = 0
    for (i = 1; i <= n; i++)
      if (buf[i] ~ /: Failure$|^Failure|ERROR: [A-Za-z]*Sanitizer|WARNING: ThreadSanitizer|runtime error:|terminate called|[*][*][*] /) {
        first = i
        break
      }
    from = first ? first : (n > 12 ? n - 11 : 1)
    to = from + 11 > n ? n : from + 11
    print "--- " name " (" verdict "):"
    for (i = from; i <= to; i++) print "    " substr(buf[i], 1, 200)
    shown++
  }
  name = ""
  n = 0
}
BEGIN {
  if (max == "") max = 2
  shown = 0
  name = ""
  n = 0
}
{
  if (name != "" && ends_block($0)) flush()
  if (is_result($0) && $0 !~ / Passed +[0-9.]+ sec/ && $0 !~ /Not Run/) {
    rest = $0
    sub(/^ *[0-9]+\/[0-9]+ Test +#[0-9]+: /, "", rest)
    # CTest pads the name with " ....", then gives the verdict and time.
    p = index(rest, " ..")
    name = p ? substr(rest, 1, p - 1) : rest
    verdict = p ? substr(rest, p) : "failed"
    sub(/^ [.]*[*]*/, "", verdict)
    sub(/ +[0-9.]+ sec$/, "", verdict)
    next
  }
  if (name != "") buf[++n] = $0
}
END { flush() }
