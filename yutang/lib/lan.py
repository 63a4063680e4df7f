"""The address a phone on the same Wi-Fi reaches this computer at, found without the internet."""

from __future__ import annotations

import ipaddress
import socket

# A private address that is only a destination for the routing table: "connecting" a UDP socket
# sends no packet, it only picks the interface (and so the local address) a packet would leave
# by. Private, so that even a network that could route it keeps it inside.
_PROBE = ("10.255.255.255", 9)


def lan_address() -> str | None:
    """This computer's IPv4 address on its network ("192.168.1.23"), or None when it has none
    but the loopback (offline, or only 127.x and link-local 169.254.x addresses)."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(_PROBE)
            address = str(probe.getsockname()[0])
        if _reachable(address):
            return address
    except OSError:
        pass  # No route at all (no network): the host name may still know an address.
    try:
        names = socket.gethostbyname_ex(socket.gethostname())[2]
    except OSError:
        return None  # The host name does not resolve either.
    return next((a for a in names if _reachable(a)), None)


def _reachable(address: str) -> bool:
    """Whether another device could use `address`: not the loopback, not "any", not the
    link-local address a machine gives itself when no network hands it one."""
    try:
        ip = ipaddress.IPv4Address(address)
    except ValueError:
        return False
    return not (ip.is_loopback or ip.is_unspecified or ip.is_link_local or ip.is_multicast)


def lan_url(address: str, port: int) -> str:
    """The URL to open on the phone: http://192.168.1.23:8000/."""
    return f"http://{address}:{port}/"
