#!/usr/bin/env python3
# Benchmarks/kvm-stats.py SOCKET: a running VM's exit counts, from KVM's own statistics as QEMU reports
# them over QMP (`query-stats`, vCPU target, provider kvm; the socket is `swiftlet run --qmp SOCKET`'s).
# Prints one line of NAME=VALUE, summed over the vCPUs:
#   exits            every exit to the hypervisor
#   mmio_exits       memory-mapped I/O to a device QEMU emulates (virtio-mmio registers, the I/O APIC)
#   io_exits         port I/O (serial console, isa-debug-exit)
#   halt_exits       HLT while idle
#   irq_injections   interrupts delivered
#   insn_emulation   instructions the hypervisor emulated (under kvm-pvm: the guest's ring-0 code)
import json, socket, sys

NAMES = ["exits", "mmio_exits", "io_exits", "halt_exits", "irq_injections", "insn_emulation"]

def main():
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(10)
    s.connect(sys.argv[1])
    f = s.makefile("rw")
    f.readline()  # the greeting

    def command(name, arguments=None):
        f.write(json.dumps({"execute": name, **({"arguments": arguments} if arguments else {})}) + "\n")
        f.flush()
        while True:
            reply = json.loads(f.readline())
            if "error" in reply: sys.exit("kvm-stats: %s: %s" % (name, reply["error"].get("desc")))
            if "return" in reply: return reply["return"]

    command("qmp_capabilities")
    totals = dict.fromkeys(NAMES, 0)
    for vcpu in command("query-stats", {"target": "vcpu"}):
        for stat in vcpu.get("stats", []):
            if stat["name"] in totals: totals[stat["name"]] += stat["value"]
    print(" ".join("%s=%d" % (n, totals[n]) for n in NAMES))

main()
