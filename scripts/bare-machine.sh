#!/usr/bin/env bash
# The bare-machine trial: a fresh clone on a Debian with nothing but Node, npm, git and apt installs,
# tests and chats with the project's own commands. As root, on a Debian host with debootstrap,
# iproute2 and tmux:
#
#   bash scripts/bare-machine.sh [ROOTFS]       (default /tmp/clawfleet-bare; kept afterwards)
#
# A debootstrap minbase root filesystem gets Debian's nodejs, npm, git and ca-certificates and a
# clone of this repository's HEAD in /src, owned by an unprivileged user `dev`. Steps that download
# (npm ci, apt) run on the host's network; everything that starts a service runs in a network
# namespace of its own with only loopback, so the host's NATS and PostgreSQL on the same ports are
# neither seen nor touched. Each step is timed; any failed check stops the trial. On exit every
# process in the namespace is killed, the namespace deleted and everything mounted unmounted.
set -euo pipefail
[ "$(id -u)" = 0 ] || { echo "run as root: sudo bash $0" >&2; exit 2; }
REPO=$(cd "$(dirname "$0")/.." && pwd)
R=${1:-/tmp/clawfleet-bare}
NS=clawfleet-bare-$$
TMUX_SOCKET=$NS
SUITE=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
MIRROR=${MIRROR:-$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
SPECS=${SPECS:-libs/event-store apps/platform-e2e/src/flow.e2e.spec.ts}

t0=$SECONDS
step() { echo; echo "=== [$((SECONDS - t0)) s] $*"; }
fail() { echo "!!! TRIAL FAILED: $*" >&2; exit 1; }

cleanup() {
  set +e
  tmux -L "$TMUX_SOCKET" kill-server 2>/dev/null
  if ip netns list | grep -qw "$NS"; then
    for pid in $(ip netns pids "$NS"); do kill "$pid" 2>/dev/null; done
    sleep 2
    for pid in $(ip netns pids "$NS"); do kill -9 "$pid" 2>/dev/null; done
    ip netns del "$NS"
  fi
  for m in dev/pts dev sys proc; do mountpoint -q "$R/$m" && umount "$R/$m"; done
  echo "=== [$((SECONDS - t0)) s] cleaned up (no mounts, no processes, namespace deleted); root filesystem kept in $R"
}
trap cleanup EXIT

# in the chroot as root / as dev, with a clean environment; `net` runs it in the namespace
env_of() { echo "PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin HOME=$1 LANG=C.UTF-8 TERM=xterm-256color${NODE_EXTRA_CA_CERTS:+ NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt}"; }
as_root() { chroot "$R" /usr/bin/env -i $(env_of /root) "$@"; }
as_dev() { chroot --userspec=dev:dev "$R" /usr/bin/env -i $(env_of /home/dev) USER=dev "$@"; }
net() { ip netns exec "$NS" "$@"; }

step "debootstrap --variant=minbase $SUITE $R $MIRROR"
[ -e "$R" ] && fail "$R exists: give a new directory"
debootstrap --variant=minbase "$SUITE" "$R" "$MIRROR" >"$R.debootstrap.log" 2>&1 || fail "debootstrap: see $R.debootstrap.log"
printf 'deb %s %s main\ndeb %s %s-updates main\n' "$MIRROR" "$SUITE" "$MIRROR" "$SUITE" >"$R/etc/apt/sources.list"
cp /etc/resolv.conf "$R/etc/resolv.conf"
# The machine's own TLS trust and npm settings (a machine that reaches the registry through a proxy
# has them; they are the machine's, not the project's).
mkdir -p "$R/usr/local/share/ca-certificates"
for crt in /usr/local/share/ca-certificates/*.crt; do [ -f "$crt" ] && cp "$crt" "$R/usr/local/share/ca-certificates/"; done
[ -f /etc/npmrc ] && cp /etc/npmrc "$R/etc/npmrc"
mount -t proc proc "$R/proc"
mount -t sysfs sys "$R/sys"
mount --bind /dev "$R/dev"
mount -t devpts -o newinstance,ptmxmode=0666 devpts "$R/dev/pts"

step "apt-get install nodejs npm git ca-certificates (Debian's)"
as_root sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm git ca-certificates' \
  >"$R.apt.log" 2>&1 || fail "apt: see $R.apt.log"
as_root update-ca-certificates >/dev/null 2>&1
echo "node $(as_root node --version), npm $(as_root npm --version), $(as_root git --version)"

step "git clone $REPO (HEAD $(git -C "$REPO" rev-parse --short HEAD)) into /src, owned by user dev"
git clone -q --no-hardlinks "$REPO" "$R/src"
as_root useradd -m -s /bin/sh dev
as_root chown -R dev:dev /src

ip netns add "$NS"
net ip link set lo up

step "dev, network: node scripts/install.mjs (npm ci)"
as_dev sh -c 'cd /src && CI=true node scripts/install.mjs' || fail "npm ci as dev"

step "dev, namespace: node scripts/services.mjs with nothing installed (must print the one command)"
out=$(net chroot --userspec=dev:dev "$R" /usr/bin/env -i $(env_of /home/dev) sh -c 'cd /src && node scripts/services.mjs' 2>&1) && fail "it succeeded"
echo "$out"
grep -q "node /src/scripts/services.mjs" <<<"$out" || fail "no command to run"

step "root, network: node scripts/services.mjs --install-only (apt: nats-server, postgresql)"
as_root sh -c 'cd /src && node scripts/services.mjs --install-only' || fail "install"
as_root pg_lsclusters

step "dev, namespace: node scripts/services.mjs, installed but stopped (must print the one command)"
out=$(net chroot --userspec=dev:dev "$R" /usr/bin/env -i $(env_of /home/dev) sh -c 'cd /src && node scripts/services.mjs' 2>&1) && fail "it succeeded"
echo "$out"
grep -q "node /src/scripts/services.mjs" <<<"$out" || fail "no command to run"

step "root, namespace: npm test -- $SPECS (starts NATS and PostgreSQL itself)"
net chroot "$R" /usr/bin/env -i $(env_of /root) sh -c "cd /src && npm test -- $SPECS" || fail "npm test"
as_root chown -R dev:dev /src

step "dev, namespace: npm start -- --fake-model in tmux, one message in the terminal chat"
net tmux -L "$TMUX_SOCKET" new-session -d -s chat -x 160 -y 50 \
  "chroot --userspec=dev:dev $R /usr/bin/env -i $(env_of /home/dev) USER=dev sh -c 'cd /src && npm start -- --fake-model; echo EXITED \$?; sleep 600'"
screen() { tmux -L "$TMUX_SOCKET" capture-pane -p -t chat; }
for _ in $(seq 1 120); do screen | grep -q '^you>' && break; sleep 5; done
screen | grep -q '^you>' || { screen; fail "no chat prompt within 10 minutes"; }
tmux -L "$TMUX_SOCKET" send-keys -t chat 'hello from a bare machine' Enter
for _ in $(seq 1 24); do screen | grep -q 'agent> echo: hello from a bare machine' && break; sleep 5; done
screen | grep -v '^$'
screen | grep -q 'agent> echo: hello from a bare machine' || fail "no echo answer"
tmux -L "$TMUX_SOCKET" send-keys -t chat '/quit' Enter
for _ in $(seq 1 12); do screen | grep -q 'EXITED' && break; sleep 5; done
screen | grep -q 'EXITED 0' || { screen; fail "npm start did not exit 0 after /quit"; }

step "trial passed"
