# A stub of websockets 13 and later for chanx's tests, written by hand from
# the package's published signatures (its reference documentation and
# annotated sources), not copied from it, and holding only what the client
# runtime in base/ uses. Python cannot install websockets 13 on the machines
# chanx is tested on (Debian ships 10.4 and pip reaches no index), so pyright
# checks the asyncio code path of base/transport.py against this stub.

__version__: str
