#!/bin/sh
# login_rss.sh: the resident memory (VmRSS) of a real studyroll server
# before, right after and 30 s after 400 POST /login requests of 1 MiB
# each (a 1 MiB username), 16 at a time. Linux (/proc) and curl.
#   go build -o studyroll ./cmd/studyroll && BIN=./studyroll scripts/login_rss.sh
set -e
BIN=${BIN:-./studyroll}
PORT=${PORT:-18431}
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
python3 -c "import json; open('$DIR/body.json','w').write(json.dumps({'username':'a'*(1<<20),'password':'x'}))"
"$BIN" serve --addr 127.0.0.1:"$PORT" --data "$DIR/data" >"$DIR/log" 2>&1 &
PID=$!
for i in 1 2 3 4 5 6 7 8 9 10; do
	curl -s -o /dev/null "http://127.0.0.1:$PORT/api/v1/me" && break
	sleep 1
done
rss() { grep VmRSS "/proc/$PID/status"; }
echo "before:     $(rss)"
seq 400 | xargs -P 16 -I{} curl -s -o /dev/null -w '%{http_code}\n' \
	-H 'Content-Type: application/json' --data-binary @"$DIR/body.json" \
	"http://127.0.0.1:$PORT/api/v1/login" | sort | uniq -c
echo "after:      $(rss)"
sleep 30
echo "30 s later: $(rss)"
kill "$PID"
wait "$PID" 2>/dev/null || true
