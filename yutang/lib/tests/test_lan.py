from __future__ import annotations

import socket
from unittest import mock

import pytest

from yutang.lib.lan import lan_address, lan_url


class FakeSocket:
    """A UDP socket whose "connect" picks `local` as the address it would send from."""

    def __init__(self, local: str | None) -> None:
        self.local = local
        self.connected_to: tuple[str, int] | None = None

    def __enter__(self) -> FakeSocket:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def connect(self, address: tuple[str, int]) -> None:
        if self.local is None:
            raise OSError(101, "Network is unreachable")
        self.connected_to = address

    def getsockname(self) -> tuple[str, int]:
        assert self.local is not None
        return (self.local, 40000)


def run(local: str | None, names: list[str] | None) -> tuple[str | None, FakeSocket, bool]:
    """lan_address() on a machine whose UDP socket picks `local` and whose host name resolves
    to `names` (None: it does not resolve); also whether the host name was looked up."""
    fake = FakeSocket(local)

    def gethostbyname_ex(host: str) -> tuple[str, list[str], list[str]]:
        if names is None:
            raise socket.gaierror(-2, "Name or service not known")
        return (host, [], names)

    with (
        mock.patch("socket.socket", return_value=fake) as make,
        mock.patch("socket.gethostname", return_value="shop-laptop"),
        mock.patch("socket.gethostbyname_ex", side_effect=gethostbyname_ex) as resolve,
    ):
        result = lan_address()
    make.assert_called_once_with(socket.AF_INET, socket.SOCK_DGRAM)
    return result, fake, resolve.called


def test_the_address_the_routing_table_picks() -> None:
    address, fake, resolved = run("192.168.1.23", ["127.0.1.1"])
    assert address == "192.168.1.23"
    # Only a private address is ever "connected" to, and the host name is not needed.
    assert fake.connected_to is not None
    assert fake.connected_to[0].startswith("10.")
    assert not resolved


@pytest.mark.parametrize("local", [None, "127.0.0.1", "0.0.0.0", "169.254.3.4"])
def test_falls_back_to_the_host_name(local: str | None) -> None:
    address, _, _ = run(local, ["127.0.1.1", "169.254.9.9", "10.0.0.7", "192.168.0.2"])
    assert address == "10.0.0.7"


@pytest.mark.parametrize("names", [None, [], ["127.0.1.1", "127.0.0.1"]])
def test_none_when_only_the_loopback_is_left(names: list[str] | None) -> None:
    assert run("127.0.0.1", names)[0] is None
    assert run(None, names)[0] is None


def test_the_url_for_the_phone() -> None:
    assert lan_url("192.168.1.23", 8000) == "http://192.168.1.23:8000/"


def test_on_this_machine_it_is_never_the_loopback() -> None:
    address = lan_address()
    assert address is None or not address.startswith("127.")
