#!/usr/bin/env bash
# Makes docs/dashboard.png, the README's screenshot: the dashboard's browser test takes it at the
# end of its live run (test/e2e/dashboard.test.ts) and copies it where DYNPIPE_DASHBOARD_SCREENSHOT
# says. Needs the build (npx tsc -p .) and Debian's chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
DYNPIPE_DASHBOARD_SCREENSHOT=docs/dashboard.png npx mocha --no-config --timeout 300000 --exit dist/test/e2e/dashboard.test.js -g 'running job'
