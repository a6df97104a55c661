"""The local cloud listens on 127.0.0.1 only: nothing else on the network can reach it.

Read from the kernel's socket tables for the cloud's own process, and tried from outside
loopback by connecting to the machine's other addresses.
"""

from __future__ import annotations

import ipaddress
import itertools
import re
import socket
from pathlib import Path

import pytest

from glueline.cloud.settings import CloudSettings

pytestmark = pytest.mark.integration

TCP_LISTEN = "0A"


def socket_inodes(pid: int) -> set[str]:
    """Inode numbers of the sockets process ``pid`` holds open."""
    inodes = set()
    for descriptor in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = descriptor.readlink()
        except OSError:
            continue
        if found := re.fullmatch(r"socket:\[(\d+)\]", str(target)):
            inodes.add(found.group(1))
    return inodes


def kernel_address(hex_address: str) -> str:
    """An address as /proc/net/tcp{,6} writes it: 32-bit words in host (little-endian) order."""
    raw = bytes.fromhex(hex_address)
    words = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
    return str(ipaddress.ip_address(words))


def listening_addresses(pid: int) -> list[tuple[str, int]]:
    """(address, port) of every TCP socket of ``pid`` in the LISTEN state, IPv4 and IPv6."""
    inodes = socket_inodes(pid)
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state == TCP_LISTEN and inode in inodes:
                address, port = local.split(":")
                found.append((kernel_address(address), int(port, 16)))
    return found


def machine_addresses() -> list[str]:
    """The machine's own IPv4 addresses other than loopback, from the kernel's routing trie."""
    lines = Path("/proc/net/fib_trie").read_text().splitlines()
    local = {
        previous.split("--")[-1].strip()
        for previous, line in itertools.pairwise(lines)
        if "/32 host LOCAL" in line
    }
    return sorted(address for address in local if not ipaddress.ip_address(address).is_loopback)


def test_the_cloud_process_listens_only_on_loopback(local_cloud: CloudSettings) -> None:
    pid = int(local_cloud.pid_file.read_text())
    assert listening_addresses(pid) == [("127.0.0.1", local_cloud.port)]


def test_the_machines_other_addresses_do_not_reach_the_cloud(local_cloud: CloudSettings) -> None:
    addresses = machine_addresses()
    if not addresses:
        pytest.skip("this machine has no address besides loopback")
    with socket.create_connection(("127.0.0.1", local_cloud.port), timeout=5):
        pass
    for address in addresses:
        with socket.socket() as probe:
            probe.settimeout(5)
            assert probe.connect_ex((address, local_cloud.port)) != 0, address
