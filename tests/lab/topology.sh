#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Builds and removes the lab: a gateway namespace with one link per zone of
# docs/policy-alpha.yaml, a switch namespace with one bridge per zone, and one
# namespace per host running small echo servers.
#
# Sourced: defines lab_up PREFIX and lab_down PREFIX (callers install the
# trap with lab_init from lib.sh).  Executed: `topology.sh down PREFIX`
# removes what a killed run left behind; `topology.sh list` shows lab
# namespaces.  Nothing here touches the namespace it was started in: every
# link is created inside a lab namespace (ip -n NS link add ... netns NS2).

# shellcheck source=tests/lab/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# _lab_sysctl NS KEY=VALUE... sets sysctls inside NS in one process.
_lab_sysctl() {
	local ns=$1
	shift
	ip netns exec "$ns" sysctl -q -w "$@" >/dev/null
}

# _lab_servers HOST starts the echo servers in HOST's namespace, each bounded
# by LAB_TTL.  Dual-stack sockets serve IPv4 and IPv6 alike.
_lab_servers() {
	local ns=$1 p
	for p in $LAB_TCP_PORTS; do
		ip netns exec "$ns" timeout "$LAB_TTL" socat -T 10 \
		    "TCP6-LISTEN:$p,fork,reuseaddr,ipv6only=0,backlog=512" PIPE \
		    </dev/null >/dev/null 2>&1 &
	done
	for p in $LAB_UDP_PORTS; do
		ip netns exec "$ns" timeout "$LAB_TTL" socat -T 1 \
		    "UDP6-RECVFROM:$p,fork,reuseaddr,ipv6only=0" PIPE \
		    </dev/null >/dev/null 2>&1 &
	done
}

# _lab_wait_servers HOST: every listener is bound (bounded wait).
_lab_wait_servers() {
	local ns=$1 i want n
	want=$(( $(echo $LAB_TCP_PORTS | wc -w) + $(echo $LAB_UDP_PORTS | wc -w) ))
	for i in $(seq 50); do
		n=$(ip netns exec "$ns" ss -Htuln 2>/dev/null | wc -l)
		[ "$n" -ge "$want" ] && return 0
		sleep 0.1
	done
	echo "lab: servers in $ns did not all start ($n of $want)" >&2
	return 1
}

# lab_up PREFIX builds the lab; returns non-zero (leaving the cleanup to the
# caller's trap) if any step fails.
lab_up() {
	local p=$1 gw sw z zi h hi name zone v4 v6 mac ifname gv4 gv6 ns
	LAB_PREFIX=$p
	gw=$(lab_gw)
	sw=$(lab_sw)
	ip netns add "$gw" || return 1
	ip netns add "$sw" || return 1
	ip -n "$gw" link set lo up
	ip -n "$sw" link set lo up
	# Addresses must be usable at once: no duplicate address detection.
	_lab_sysctl "$gw" net.ipv6.conf.all.accept_dad=0 \
	    net.ipv6.conf.default.accept_dad=0 net.ipv4.ip_forward=1 \
	    net.ipv6.conf.all.forwarding=1 net.ipv6.conf.default.forwarding=1 ||
	    return 1
	# The switch is layer 2 only.
	_lab_sysctl "$sw" net.ipv6.conf.all.disable_ipv6=1 \
	    net.ipv6.conf.default.disable_ipv6=1 || return 1

	zi=0
	for z in "${LAB_ZONES[@]}"; do
		read -r name ifname gv4 gv6 <<<"$z"
		ip -n "$sw" link add name "br$zi" type bridge || return 1
		# The gateway's zone link: ifname in the gateway, g<N> on the bridge.
		ip -n "$gw" link add name "$ifname" type veth peer name "g$zi" \
		    netns "$sw" || return 1
		ip -n "$sw" link set "g$zi" master "br$zi" up || return 1
		ip -n "$sw" link set "br$zi" up || return 1
		ip -n "$gw" addr add "$gv4" dev "$ifname" || return 1
		if [ "$gv6" != - ]; then
			ip -n "$gw" addr add "$gv6" dev "$ifname" nodad || return 1
		fi
		ip -n "$gw" link set "$ifname" up || return 1
		zi=$((zi + 1))
	done
	# br_netfilter is on by default in every new namespace: bridged frames
	# would otherwise meet the switch's (empty) netfilter hooks and conntrack.
	_lab_sysctl "$sw" net.bridge.bridge-nf-call-iptables=0 \
	    net.bridge.bridge-nf-call-ip6tables=0 \
	    net.bridge.bridge-nf-call-arptables=0 || return 1

	hi=0
	for h in "${LAB_HOSTS[@]}"; do
		read -r name zone v4 v6 mac <<<"$h"
		ns=$(lab_ns "$name")
		zi=$(_lab_zone_index "$zone") || return 1
		gv4=$(lab_zone_field "$zone" v4)
		gv6=$(lab_zone_field "$zone" v6)
		ip netns add "$ns" || return 1
		ip -n "$ns" link set lo up
		_lab_sysctl "$ns" net.ipv6.conf.all.accept_dad=0 \
		    net.ipv6.conf.default.accept_dad=0 || return 1
		ip -n "$sw" link add name "h$hi" type veth peer name eth0 \
		    netns "$ns" || return 1
		ip -n "$sw" link set "h$hi" master "br$zi" up || return 1
		ip -n "$ns" link set eth0 address "$mac" || return 1
		ip -n "$ns" addr add "$v4/${gv4#*/}" dev eth0 || return 1
		if [ "$v6" != - ]; then
			ip -n "$ns" addr add "$v6/${gv6#*/}" dev eth0 nodad ||
			    return 1
		fi
		case " $LAB_SPECIAL_HOSTS " in
		*" $name "*) ;;	# the impostor stays down until its probe
		*) lab_host_up "$name" || return 1 ;;
		esac
		_lab_servers "$ns"
		hi=$((hi + 1))
	done
	for h in "${LAB_HOSTS[@]}"; do
		read -r name _ <<<"$h"
		_lab_wait_servers "$(lab_ns "$name")" || return 1
	done
	lab_warm_neighbours
	return 0
}

# lab_host_up HOST: link up, default routes (v4, v6) via the gateway.
lab_host_up() {
	local ns zone v6 gv4 gv6
	ns=$(lab_ns "$1")
	zone=$(lab_host_field "$1" zone)
	v6=$(lab_host_field "$1" v6)
	gv4=$(lab_zone_field "$zone" v4)
	gv6=$(lab_zone_field "$zone" v6)
	ip -n "$ns" link set eth0 up || return 1
	ip -n "$ns" route replace default via "${gv4%/*}" dev eth0 || return 1
	if [ "$v6" != - ]; then
		ip -n "$ns" -6 route replace default via "${gv6%/*}" dev eth0 ||
		    return 1
	fi
}

# lab_host_down HOST: link down (its routes go with it).
lab_host_down() {
	ip -n "$(lab_ns "$1")" link set eth0 down
}

_lab_zone_index() {
	local z n i=0
	for z in "${LAB_ZONES[@]}"; do
		read -r n _ <<<"$z"
		if [ "$n" = "$1" ]; then
			echo "$i"
			return 0
		fi
		i=$((i + 1))
	done
	echo "lab: unknown zone $1" >&2
	return 1
}

# lab_warm_neighbours: one ARP/ND exchange between every up host and the
# gateway, so the first probe does not pay for address resolution.  The
# pings themselves may be dropped by the gateway's input chain; the
# neighbour entries are what matters.
lab_warm_neighbours() {
	local h name zone v4 v6 mac gv4 gv6 pids=
	for h in "${LAB_HOSTS[@]}"; do
		read -r name zone v4 v6 mac <<<"$h"
		case " $LAB_SPECIAL_HOSTS " in *" $name "*) continue ;; esac
		gv4=$(lab_zone_field "$zone" v4)
		gv6=$(lab_zone_field "$zone" v6)
		ip netns exec "$(lab_ns "$name")" ping -n -q -c 1 -W 1 \
		    "${gv4%/*}" >/dev/null 2>&1 &
		pids="$pids $!"
		ip netns exec "$(lab_gw)" ping -n -q -c 1 -W 1 "$v4" \
		    >/dev/null 2>&1 &
		pids="$pids $!"
		if [ "$v6" != - ]; then
			ip netns exec "$(lab_ns "$name")" ping -n -q -c 1 -W 1 \
			    "${gv6%/*}" >/dev/null 2>&1 &
			pids="$pids $!"
			ip netns exec "$(lab_gw)" ping -n -q -c 1 -W 1 "$v6" \
			    >/dev/null 2>&1 &
			pids="$pids $!"
		fi
	done
	# Only these pings: the servers are background jobs of this shell too.
	wait $pids
}

# lab_down PREFIX: stops every process still running in the lab namespaces
# (by pid: the servers, probes and daemon started there) and removes them.
lab_down() {
	local p=$1 nss ns pids i
	nss=$(ip netns list 2>/dev/null | awk '{print $1}' | grep -- "^$p-")
	[ -n "$nss" ] || return 0
	for i in 1 2 3; do
		pids=
		for ns in $nss; do
			pids="$pids $(ip netns pids "$ns" 2>/dev/null)"
		done
		[ -n "${pids// /}" ] || break
		if [ "$i" -lt 3 ]; then
			kill -TERM $pids 2>/dev/null
			sleep 0.3
		else
			kill -KILL $pids 2>/dev/null
			sleep 0.1
		fi
	done
	for ns in $nss; do
		ip netns del "$ns" 2>/dev/null || echo "lab: could not remove namespace $ns" >&2
	done
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -u
	case "${1:-}" in
	down)
		[ -n "${2:-}" ] || { echo "usage: $0 down PREFIX" >&2; exit 2; }
		lab_require_root
		lab_down "$2"
		;;
	list)
		ip netns list | awk '{print $1}' | grep -E -- '^sl[0-9]+-' || true
		;;
	*)
		echo "usage: $0 down PREFIX | list   (tests source this file for lab_up/lab_down)" >&2
		exit 2
		;;
	esac
fi
