#!/usr/bin/env bash
# Installs the dependencies, builds the daemon and runs it on
# config/example.yaml with its managed Redis (in var/redis). Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/install-deps.sh
bash deploy/build.sh caseroute
# git checks the development secrets out 0644; the daemon refuses secret
# files others can read (as ssh does), so make them the owner's alone.
chmod 600 config/secrets/*.key
config="${1:-config/example.yaml}"
listen=$(sed -n 's/^ *listen: *"\{0,1\}\([^" #]*\)"\{0,1\}.*/\1/p' "$config" | head -n1)
demo_sup=$(grep -m1 '^s' config/demo-tokens.txt || echo s001)
cat <<BANNER

caseroute is starting on ${config} with a private Redis in var/redis.
  Console:    http://${listen:-127.0.0.1:8355}/   (督导工作台, supervisors and viewers)   http://${listen:-127.0.0.1:8355}/me   (咨询师, phone first)
              sign in at http://${listen:-127.0.0.1:8355}/signin with an id and its token below, e.g. supervisor ${demo_sup%% *} / counselor c001
  API:        http://${listen:-127.0.0.1:8355}/v1/...   health: /healthz  ready: /readyz  metrics: /metrics
  Try it:     the walkthrough in README.md ("Walkthrough with curl"); the API is docs/API.md
  Platform:   tools/platform-curl METHOD TARGET [BODY_FILE] signs requests with the dev secret
  Demo tokens (DEV ONLY, config/demo-tokens.txt):
$(grep -v '^#' config/demo-tokens.txt | sed 's/^/    /')

BANNER
exec build/daemon/caseroute --config "$config"
