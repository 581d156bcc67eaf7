"""websockets.asyncio.client.connect (websockets 13 and later, here the
stub in testdata/websockets13) is what base/transport.py's AsyncioConnect
says it calls, and the connection it opens is a transport.Connection."""

from websockets.asyncio.client import ClientConnection, connect

from chatclient.base.transport import AsyncioConnect, Connection

new: AsyncioConnect = connect


def opened(conn: ClientConnection) -> Connection:
    return conn
