#!/usr/bin/env bash
# The one test command (README "Run every test"): installs what the tests
# need, then runs gofmt, the OpenAPI lint, go vet, staticcheck, every test with the race
# detector, and each fuzz target briefly.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v pdftotext >/dev/null || need+=(poppler-utils)
command -v chromium >/dev/null || need+=(chromium)
command -v npx >/dev/null || need+=(nodejs npm)
if ((${#need[@]})); then
	echo "== installing ${need[*]}"
	SUDO=""
	[ "$(id -u)" = 0 ] || SUDO=sudo
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
export PATH="$(go env GOPATH)/bin:$PATH"
command -v staticcheck >/dev/null || go install honnef.co/go/tools/cmd/staticcheck@v0.8.2

echo "== gofmt"
bad=$(gofmt -l $(go list -f '{{.Dir}}' ./...))
if [ -n "$bad" ]; then echo "not gofmt'd: $bad"; exit 1; fi
echo "== OpenAPI lint (Redocly CLI, pinned; npx installs it on first use)"
# Redocly CLI 2.x needs Node.js >= 20.19; Debian 12's own nodejs is 18, so
# there the last 1.x release (Node.js >= 18.17), which gives the same
# result on this document, lints instead.
redocly=@redocly/cli@2.77.0
node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then redocly=@redocly/cli@1.34.5; fi
npx --yes "$redocly" lint --format=stylish assets/openapi.json
echo "== go vet"
go vet ./...
echo "== staticcheck"
staticcheck ./...
export STUDYROLL_ARTIFACTS="${STUDYROLL_ARTIFACTS:-$PWD/.artifacts}"
echo "== go test -race (browser failures saved in $STUDYROLL_ARTIFACTS)"
go test -race -count=1 -cover -timeout 40m ./...
echo "== fuzz (each target briefly)"
# An execution count, not a duration: with a duration, Go 1.26's fuzz
# coordinator can report a spurious "context deadline exceeded" when the
# time runs out mid-input on a busy machine (golang/go#75804, fixed in 1.27).
FUZZTIME="${FUZZTIME:-2000x}"
for pkg in $(go list ./...); do
	dir=$(go list -f '{{.Dir}}' "$pkg")
	for target in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/func //' | sort -u); do
		echo "-- $pkg $target"
		log=$(mktemp)
		if ! go test -run "^$" -fuzz "^${target}\$" -fuzztime "$FUZZTIME" "$pkg" >"$log" 2>&1; then
			grep -v 'fuzz: elapsed' "$log" | tail -60
			exit 1
		fi
		tail -2 "$log"
		rm -f "$log"
	done
done
echo "== all tests passed"
