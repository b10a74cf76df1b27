# shellcheck shell=bash
# Sourced (bash), not run: pushes an image written as files (blobs and a manifest) to a registry with
# curl only, for machines without Docker (a k3s node has none). Used by k8s-test-cluster.sh (the pause
# image) and buildkit-image.sh.
#
# The caller sets REGISTRY (host[:port]). Plain HTTP for 127.0.0.1 and localhost, HTTPS otherwise, unless
# REGISTRY_SCHEME says (http or https). Basic auth when SLIPWAY_REGISTRY_USER is set (with
# SLIPWAY_REGISTRY_PASSWORD); registries that hand out bearer tokens (Docker Hub, GHCR) are not supported.

registry_scheme() {
  if [[ -n "${REGISTRY_SCHEME:-}" ]]; then printf '%s\n' "$REGISTRY_SCHEME"; return; fi
  case "${REGISTRY%:*}" in
    127.0.0.1 | localhost | '[::1]') printf 'http\n' ;;
    *) printf 'https\n' ;;
  esac
}

registry_url() { printf '%s://%s/v2/%s' "$(registry_scheme)" "$REGISTRY" "$1"; }

# curl -fsS with the credentials, given in a config on stdin rather than in the arguments (which `ps`
# shows to everyone on the machine).
registry_curl() {
  if [[ -z "${SLIPWAY_REGISTRY_USER:-}" ]]; then
    curl -fsS "$@"
    return
  fi
  local cred="$SLIPWAY_REGISTRY_USER:${SLIPWAY_REGISTRY_PASSWORD:-}"
  cred="${cred//\\/\\\\}"
  printf 'user = "%s"\n' "${cred//\"/\\\"}" | curl -fsS -K - "$@"
}

push_blob() { # <repository> <file>
  local digest loc
  digest="sha256:$(sha256sum "$2" | cut -d' ' -f1)"
  registry_curl -o /dev/null -I "$(registry_url "$1")/blobs/$digest" 2>/dev/null && return 0
  loc="$(registry_curl -X POST -D - -o /dev/null "$(registry_url "$1")/blobs/uploads/" | tr -d '\r' | sed -n 's/^[Ll]ocation: *//p')"
  [[ -n "$loc" ]] || return 1
  [[ "$loc" == http* ]] || loc="$(registry_scheme)://$REGISTRY$loc"
  if [[ "$loc" == *\?* ]]; then loc="$loc&digest=$digest"; else loc="$loc?digest=$digest"; fi
  registry_curl -o /dev/null -X PUT -H 'Content-Type: application/octet-stream' --data-binary "@$2" "$loc"
}

REGISTRY_MANIFEST_TYPE='application/vnd.docker.distribution.manifest.v2+json'

manifest_exists() { # <repository> <tag or digest>
  registry_curl -o /dev/null -I -H "Accept: $REGISTRY_MANIFEST_TYPE" "$(registry_url "$1")/manifests/$2" 2>/dev/null
}

push_manifest() { # <repository> <tag> <manifest file>
  registry_curl -o /dev/null -X PUT -H "Content-Type: $REGISTRY_MANIFEST_TYPE" --data-binary "@$3" \
    "$(registry_url "$1")/manifests/$2"
}

# An image folder as build_pause (k8s-test-cluster.sh) and buildkit-image.sh write it: layer.tar.gz,
# config.json, manifest.json.
push_image_dir() { # <repository> <tag> <folder>
  push_blob "$1" "$3/layer.tar.gz" && push_blob "$1" "$3/config.json" && push_manifest "$1" "$2" "$3/manifest.json"
}
