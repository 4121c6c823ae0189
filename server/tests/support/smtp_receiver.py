"""A real SMTP server on 127.0.0.1 for the notification tests (aiosmtpd).

Each accepted message is written to OUT_DIR/<n>.eml (atomically: written to a temporary name,
then renamed) with the envelope in OUT_DIR/<n>.json. Prints "READY <port>" once listening.

Options:
  --port N          listen on N (0: pick a free port)
  --out DIR         where messages go
  --fail-first N    answer the first N messages with 451 (a transient refusal)
  --always-fail     answer every message with 451
  --hold-after N    accept N messages, then never answer DATA again (a server that hangs)
  --auth USER:PASS  require AUTH (PLAIN or LOGIN) with these credentials
"""

import argparse
import asyncio
import json
import os
import socket
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Handler:
    def __init__(self, out, fail_first, always_fail, hold_after):
        self.out = out
        self.fail_first = fail_first
        self.always_fail = always_fail
        self.hold_after = hold_after
        self.seen = 0
        self.accepted = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.seen += 1
            seen = self.seen
        if self.always_fail or seen <= self.fail_first:
            return "451 4.3.0 Try again later"
        if self.hold_after is not None and self.accepted >= self.hold_after:
            await asyncio.sleep(3600)
            return "451 4.3.0 Held"
        with self.lock:
            self.accepted += 1
            n = self.accepted
        tmp = os.path.join(self.out, f".{n}.tmp")
        with open(tmp, "wb") as f:
            f.write(envelope.original_content or envelope.content)
        with open(os.path.join(self.out, f"{n}.json"), "w") as f:
            json.dump({"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos,
                       "authenticated": bool(getattr(session, "authenticated", False))}, f)
        os.rename(tmp, os.path.join(self.out, f"{n}.eml"))
        return "250 2.0.0 Message accepted for delivery"


def authenticator_for(user, password):
    def check(server, session, envelope, mechanism, auth_data):
        if isinstance(auth_data, LoginPassword) and \
                auth_data.login.decode() == user and auth_data.password.decode() == password:
            return AuthResult(success=True)
        return AuthResult(success=False, handled=False)
    return check


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--out", required=True)
    p.add_argument("--fail-first", type=int, default=0)
    p.add_argument("--always-fail", action="store_true")
    p.add_argument("--hold-after", type=int, default=None)
    p.add_argument("--auth", default=None)
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)
    port = a.port
    if port == 0:
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
    kwargs = {}
    if a.auth:
        user, password = a.auth.split(":", 1)
        kwargs = dict(authenticator=authenticator_for(user, password), auth_required=True,
                      auth_require_tls=False)
    handler = Handler(a.out, a.fail_first, a.always_fail, a.hold_after)
    controller = Controller(handler, hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    print(f"READY {port}", flush=True)
    try:
        sys.stdin.read()  # runs until the test closes our stdin or kills us
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
