#!/bin/sh
# Runs a command (the Procfile's web group) at a lower CPU priority than the room's processes.
# `nice` only ranks processes within one scheduling group, and Linux's autogroup (on by default)
# gives every session a group of its own; honcho starts each Procfile process in a new session.
# So the group's own niceness is lowered too, where the kernel has autogroups. WEB_NICE: 0-19.
level=${WEB_NICE:-10}
if [ -w /proc/self/autogroup ]; then
    echo "$level" > /proc/self/autogroup 2>/dev/null || true
fi
exec nice -n "$level" "$@"
