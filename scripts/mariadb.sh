#!/usr/bin/env bash
# Make Debian's MariaDB server and client available to the test suite, idempotently, without
# running Debian's own MariaDB service: examples/mariadb and its tests start their own servers,
# as pods of the local cluster on free ports of 127.0.0.1, from these binaries. Prints nothing
# when the packages are already installed (a service someone runs on purpose is left alone).
set -euo pipefail

PACKAGES=(mariadb-server mariadb-client)
SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo

missing=()
for package in "${PACKAGES[@]}"; do
    # (a removed package whose configuration files remain is not installed)
    [ "$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null)" = "install ok installed" ] ||
        missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "Installing Debian's ${missing[*]} (its own service is not started)"
# A policy-rc.d answering 101 keeps invoke-rc.d and deb-systemd-invoke from starting the service
# the package installs (as in container images). A machine's own policy-rc.d is left as it is.
POLICY=/usr/sbin/policy-rc.d
if [ ! -e "$POLICY" ]; then
    printf '#!/bin/sh\n# kes scripts/mariadb.sh, for the length of one apt-get install\nexit 101\n' |
        $SUDO tee "$POLICY" >/dev/null
    $SUDO chmod 755 "$POLICY"
    trap '$SUDO rm -f "$POLICY"' EXIT
fi
$SUDO apt-get update -q
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"

# Should the service have started all the same (a policy-rc.d allowing it), stop it and keep it
# from starting at boot: nothing of kes uses it, and it would hold 3306.
if [ -s /run/mysqld/mysqld.pid ]; then
    echo "Stopping and disabling Debian's own MariaDB service"
    if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
        $SUDO systemctl disable --now mariadb
    else
        $SUDO service mariadb stop
        $SUDO update-rc.d mariadb disable >/dev/null 2>&1 || true
    fi
fi
