#!/usr/bin/env bash
# Installs the Claude Code CLI that interactive sessions run (README "Claude Code sessions"), once: the pinned
# version of @anthropic-ai/claude-code from npm, under a prefix of Slipway's own (not the global npm folder), so the
# server finds it without PATH changes and an upgrade of the machine's npm packages leaves it alone. Idempotent: a
# second run with the same version changes nothing. Prints the CLI's path on its last line as SLIPWAY_CLAUDE_COMMAND=…
#
#   scripts/setup-claude-cli.sh            # into ${SLIPWAY_CLAUDE_CLI_PREFIX:-~/.cache/slipway-claude-cli}
#
# 2.1.197 is the newest version whose package says it runs on Node 20 (later ones need Node >= 22). Its launcher is
# a native binary that npm installs from the platform's optional package (@anthropic-ai/claude-code-linux-x64, …):
# only the npm registry is needed, nothing else is downloaded.
set -euo pipefail

VERSION=2.1.197
PREFIX="${SLIPWAY_CLAUDE_CLI_PREFIX:-${HOME}/.cache/slipway-claude-cli}"

die() { printf 'error: %s\n' "$*" >&2; exit 1; }

case "${1:-}" in
  "") ;;
  -h | --help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
  *) die "unknown argument: $1 (this script takes none)" ;;
esac
command -v npm >/dev/null 2>&1 || die "npm is not installed (it comes with Node.js 20)"

CLI="$PREFIX/node_modules/.bin/claude"
installed="$(node -e 'try { console.log(require(process.argv[1]).version) } catch { }' "$PREFIX/node_modules/@anthropic-ai/claude-code/package.json" 2>/dev/null || true)"
if [[ "$installed" != "$VERSION" || ! -x "$CLI" ]]; then
  mkdir -p "$PREFIX"
  chmod 700 "$PREFIX"
  # Its own package.json keeps npm from walking up into a project; --ignore-scripts=false: the package's
  # postinstall links the platform binary into bin/claude.exe.
  [[ -f "$PREFIX/package.json" ]] || printf '{ "private": true }\n' >"$PREFIX/package.json"
  npm install --prefix "$PREFIX" --no-audit --no-fund --save-exact --loglevel=error "@anthropic-ai/claude-code@$VERSION" >&2 ||
    die "npm could not install @anthropic-ai/claude-code@$VERSION (above)"
fi
"$CLI" --version >/dev/null 2>&1 || die "$CLI does not start (try: $CLI --version)"
printf 'SLIPWAY_CLAUDE_COMMAND=%s\n' "$CLI"
