# Automatic NUMA placement on a 2-node host (SANDBOX_NUMA=2, one CPU and
# 1.5 GiB per node): the same sequence of creates, made once by Debian's xl
# and once by ours on the same host, gives every domain the same node
# affinity and the same vCPU hard/soft affinity, and libxl's selection
# message names the same candidate.  The sequence exercises each of libxl's
# rules: more free memory wins a tie, fewer vCPUs already on a node beats
# more free memory, a node short of memory is skipped however few vCPUs it
# has, a domain that fits no single node gets both, 2 vCPUs need 2 one-CPU
# nodes, no candidate (more vCPUs than CPUs) gives libxl's notice and all
# nodes, and placement is off with cpus_soft=.  Run by `make
# check-e2e-numa` in its own boot.
. "$PVSTACK/tests/e2e/lib.sh"
. "$PVSTACK/tests/e2e/pv_lib.sh"

trap destroy_all_guests EXIT

nodes=$("$REF_XL" info | awk '$1 == "nr_nodes" {print $3}')
[ "$nodes" = 2 ] || fail "the host has ${nodes:-?} NUMA nodes, not 2 (boot it with SANDBOX_NUMA=2)"

# NAME MEMORY VCPUS [CONFIG LINE]: one create; "- NAME": destroy NAME.
# The free memory per node before each step is in the log; on this host
# (each small domain's memory came from node 1 whatever its affinity; why, below):
# a: 1186/827 MB, vCPUs 2/2 (dom0 and a on both) -> more memory: node 0
# b: vCPUs 3/2 -> node 1 despite less memory
# c: vCPUs 3/3 -> more memory: node 0
# d: 900 MB fits node 0 only (node 1: 731 MB) although it has more vCPUs
# h: node 1 has 7 MB left: node 0 again, 5 vCPUs against 3
# x: 1300 MB (after d went) fits neither node alone: both
# e: 2 vCPUs need both 1-CPU nodes;  s: cpus_soft= turns placement off
# n: 3 vCPUs, more than the host's CPUs: no candidate, libxl's notice, all
steps='
a 32 1
b 32 1
c 32 1
d 900 1
h 32 1
- d
x 1300 1
e 32 2
s 32 1 cpus_soft="all"
n 32 3
'

free_by_node() { "$REF_XL" info -n | awk '/^numa_info/ {on = 1; next} on && $1 ~ /^[0-9]+:$/ {printf "%s%s", sep, $3; sep = " "}'; }

# scenario XL PREFIX OUT: create the steps in order with XL as PREFIX<name>
# (paused: only the placement matters), write per domain its node affinity
# and vCPU affinities as Debian's xl reports them, then destroy them all.
scenario() {
    _xl=$1 _p=$2 _out=$3
    : > "$_out"
    note "$_p: free MB per node before: $(free_by_node)"
    while read -r _n _m _v _extra; do
        [ -n "$_n" ] || continue
        if [ "$_n" = - ]; then
            "$_xl" destroy "$_p$_m" || fail "destroy $_p$_m failed"
            wait_gone "$_p$_m" 30 || fail "$_p$_m did not go away"
            continue
        fi
        {
            echo "name = \"$_p$_n\""
            echo "kernel = \"$TINY\""
            echo "extra = \"action=wait\""
            echo "memory = $_m"
            echo "vcpus = $_v"
            echo "$_extra"
        } > "$_p$_n.cfg"
        "$_xl" -v create -p "$_p$_n.cfg" > "$_p$_n.err" 2>&1 || { cat "$_p$_n.err"; fail "$_xl create $_p$_n failed"; }
        _sel=$(grep -o 'NUMA placement candidate with [0-9]* nodes, [0-9]* cpus\|NUMA placement failed, performance might be affected' "$_p$_n.err")
        _node=$("$REF_XL" list -n "$_p$_n" | awk 'NR == 2 {print $NF}')
        _aff=$("$REF_XL" vcpu-list "$_p$_n" | awk 'NR > 1 {printf "%s[%s %s %s] ", sep, $3, $(NF-2), $NF}')
        echo "$_n node=$_node vcpus=$_aff sel=${_sel:-none}" >> "$_out"
        echo "$_p$_n: node=$_node vcpus=$_aff sel=${_sel:-none} (free now: $(free_by_node))"
    done <<EOS
$steps
EOS
    for _n in $(echo "$steps" | awk 'NF && $1 != "-" {print $1}'); do
        "$REF_XL" list "$_p$_n" >/dev/null 2>&1 || continue
        "$_xl" destroy "$_p$_n" 2>/dev/null
        wait_gone "$_p$_n" 30 || fail "$_p$_n did not go away"
    done
}

scenario "$REF_XL" r ref.out
scenario "$XL" o ours.out
diff -u ref.out ours.out || fail "our placement differs from Debian's xl"

# the sequence must have exercised the rules it claims to (what libxl
# chose with the free memory this host has; see the comment above)
expect() {
    grep -q "^$1 node=$2 " ref.out || fail "step $1: expected node affinity $2 ($3): $(grep "^$1 " ref.out)"
}
expect a 0 "more free memory on node 0"
expect b 1 "fewer vCPUs on node 1 beats more free memory on node 0"
expect c 0 "vCPUs tie, node 0 has more free memory"
expect d 0 "node 1 has too little free memory"
expect h 0 "node 1 has too little free memory, though fewer vCPUs"
expect x all "no single node has enough free memory"
expect e all "2 vCPUs need both 1-CPU nodes"
expect s all "cpus_soft= turns placement off"
expect n all "no candidate has 3 CPUs"
grep -q '^n .*sel=NUMA placement failed' ref.out || fail "step n: no 'NUMA placement failed' notice: $(grep '^n ' ref.out)"
grep -q '^b .*\[0 all 1\]' ref.out || fail "step b: soft affinity is not node 1's CPU: $(grep '^b ' ref.out)"

# Where the memory goes is Xen's choice from the affinities the toolstack
# set before populating, and from which free memory Xen has already
# scrubbed: for a 2 MB extent it takes a scrubbed chunk from any node
# before an unscrubbed one from the preferred node, and it scrubs freed
# memory in idle time.  So the same config a moment apart may land
# elsewhere, for either tool (a domain with node affinity 0 was seen with
# all its pages on node 1, and the next one on node 0).  What a toolstack
# decides is whether the affinity is in place before the memory is
# populated; one that set it afterwards would leave Xen choosing among all
# nodes.  So: when Debian's domain lands inside its node affinity, ours
# must land inside its own too (asked a few times, as scrubbing moves on).
# Xen's debug key 'u' prints each domain's pages per node.
pages_by_node() { # DOMID -> "0:N 1:M"
    "$REF_XL" debug-keys u
    "$REF_XL" dmesg -c | awk -v d="$1" '
        /Domain [0-9]+ \(total/ {cur = ($0 ~ "Domain " d " \\(")}
        cur && /Node [0-9]+:/ {printf "%s%s%s", sep, $3, $4; sep = " "}'
}
# inside AFFINITY PAGES: are all the pages on nodes of the affinity?
inside() {
    [ "$1" = all ] && return 0
    for _np in $2; do
        _node=${_np%%:*} _count=${_np#*:}
        [ "$_count" = 0 ] && continue
        echo ",$1," | grep -q ",$_node," || return 1
    done
}
mem_of() { # XL NAME CONFIG-LINE -> "AFFINITY PAGES" of a fresh domain
    {
        echo "name = \"$2\""
        echo "kernel = \"$TINY\""
        echo "extra = \"action=wait\""
        echo "memory = 64"
        echo "vcpus = 1"
        echo "$3"
    } > "$2.cfg"
    "$1" create -p "$2.cfg" > "$2.err" 2>&1 || { cat "$2.err"; fail "$1 create $2 failed"; }
    printf '%s ' "$("$REF_XL" list -n "$2" | awk 'NR == 2 {print $NF}')"
    pages_by_node "$("$REF_XL" domid "$2")"
    "$1" destroy "$2" || fail "destroy $2 failed"
    wait_gone "$2" 30 || fail "$2 did not go away"
}
"$REF_XL" dmesg -c > /dev/null
for line in 'cpus="0"' 'cpus="1"' 'cpus_soft="1"' ''; do
    agreed=
    for try in 1 2 3; do
        theirs=$(mem_of "$REF_XL" mr "$line")
        ours=$(mem_of "$XL" mo "$line")
        echo "affinity and memory with [$line]: Debian's xl $theirs, ours $ours"
        [ "${theirs#* }" != "$theirs" ] || fail "no per-node page count from Xen's debug key u"
        # placement follows free memory, which the other tool's domain moved
        if [ "${theirs%% *}" = "${ours%% *}" ]; then
            if inside "${ours%% *}" "${ours#* }" || ! inside "${theirs%% *}" "${theirs#* }"; then
                agreed=1
                break
            fi
        fi
        sleep 1
    done
    [ -n "$agreed" ] || fail "with [$line] ours gave $ours (node affinity, pages per node), Debian's xl $theirs"
done

# our own vcpu-list and list -n read the same affinity back
tiny_cfg own.cfg own "action=wait"
"$XL" create -p own.cfg || fail "create own failed"
[ "$("$XL" list -n own | awk 'NR == 2 {print $NF}')" = "$("$REF_XL" list -n own | awk 'NR == 2 {print $NF}')" ] ||
    fail "our list -n differs from Debian's"
"$XL" vcpu-list own | awk 'NR > 1 {print $3, $(NF-2), $NF}' > own.ours
"$REF_XL" vcpu-list own | awk 'NR > 1 {print $3, $(NF-2), $NF}' > own.ref
diff -u own.ref own.ours || fail "our vcpu-list differs from Debian's"
"$XL" destroy own
wait_gone own 30 || fail "own did not go away"
echo "placement agrees with Debian's xl for every step"
