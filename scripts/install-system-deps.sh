#!/usr/bin/env bash
# Installs the Debian packages the integration tests and the benchmark use: real PostgreSQL 15,
# pgBackRest, MariaDB with mariabackup, and the compressors. Idempotent; needs root (CI is root).
set -euo pipefail
PACKAGES=(postgresql-15 postgresql-client-15 pgbackrest mariadb-server mariadb-client mariadb-backup zstd lz4 openssl procps)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages: all present"
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "system packages: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# policy-rc.d stops the packages from trying to start services (there is no init system here).
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
