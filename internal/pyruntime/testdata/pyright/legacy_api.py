"""websockets.client.connect of the installed release (10.4 on Debian) is
what base/transport.py's LegacyConnect says it calls."""

from websockets.client import connect

from chatclient.base.transport import LegacyConnect

legacy: LegacyConnect = connect
