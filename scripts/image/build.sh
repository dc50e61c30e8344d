#!/usr/bin/env bash
# Build the llmrec OCI image: the static binary (CGO_ENABLED=0) and this
# host's CA certificates in a scratch image. Nothing is pulled.
#
#   scripts/image/build.sh [TAG]      (make image)
#
# Uses podman, or docker when podman is missing (ENGINE=docker forces it).
set -euo pipefail
cd "$(dirname "$0")/../.."

tag=${1:-llmrec:latest}
version=${VERSION:-$(git describe --tags --always --dirty 2>/dev/null || echo dev)}
engine=${ENGINE:-}
if [ -z "$engine" ]; then
  if command -v podman >/dev/null 2>&1; then engine=podman
  elif command -v docker >/dev/null 2>&1; then engine=docker
  else echo "make image needs podman or docker (apt-get install -y podman runc)" >&2; exit 1
  fi
fi
if [ "$engine" = podman ] && [ -z "${CONTAINERS_CONF:-}" ]; then
  export CONTAINERS_CONF=$PWD/deploy/image/containers.conf
fi

certs=""
for c in /etc/ssl/certs/ca-certificates.crt /etc/pki/tls/certs/ca-bundle.crt /etc/ssl/cert.pem; do
  if [ -r "$c" ]; then certs=$c; break; fi
done
if [ -z "$certs" ]; then
  echo "no CA certificate bundle found on this host (install ca-certificates); the image needs one to reach https targets" >&2
  exit 1
fi

ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X github.com/llmrec/llmrec/schemas.ToolVersion=$version" -o "$ctx/llmrec" ./cmd/llmrec
cp "$certs" "$ctx/ca-certificates.crt"
cp deploy/image/Containerfile "$ctx/Containerfile"
"$engine" build --quiet -f "$ctx/Containerfile" -t "$tag" "$ctx" >/dev/null
echo "built $tag with $engine ($(du -h "$ctx/llmrec" | cut -f1) binary, version $version)"
