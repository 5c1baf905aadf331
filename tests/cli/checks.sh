# Shared by the CLI test scripts (source it): the check counters and their one-line reports.
# ok NAME; bad NAME WHY; check NAME COMMAND... (ok when COMMAND succeeds). Each script ends
# with its own "$PASS passed, $FAILED failed" line.
PASS=0
FAILED=0
ok() { echo "ok   $1"; PASS=$((PASS + 1)); }
bad() {
  echo "FAIL $1: $2"
  FAILED=$((FAILED + 1))
}
check() {
  local name=$1
  shift
  if "$@"; then ok "$name"; else bad "$name" "check failed: $*"; fi
}
