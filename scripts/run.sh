#!/usr/bin/env bash
# The one command that runs JoinedUp (see README): restores, builds, creates the embedded SQLite database
# (data/joinedup.db), loads a demo borough if it is empty, and serves the web app on http://127.0.0.1:5000.
set -euo pipefail
cd "$(dirname "$0")/.."
export Storage__SqlitePath="${Storage__SqlitePath:-$PWD/data/joinedup.db}"
URLS="${JOINEDUP_URLS:-http://127.0.0.1:5000}"
echo "JoinedUp will be at $URLS (database: ${Storage__Provider:-Sqlite} ${Storage__SqlitePath})"
export ASPNETCORE_ENVIRONMENT="${ASPNETCORE_ENVIRONMENT:-Demo}"
exec dotnet run --project src/JoinedUp.Web -c Release -- --urls "$URLS"
