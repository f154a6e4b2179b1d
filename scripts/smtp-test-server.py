#!/usr/bin/env python3
"""A real SMTP server for Papers' tests (aiosmtpd), on 127.0.0.1 only.

Every accepted message becomes one JSON file in --dir ({"mail_from", "rcpt_tos", "data"}), written atomically
before the 250 reply. Prints "READY <port>" once it listens. Options make it behave like the servers digests meet:
STARTTLS, AUTH, refused recipients, transient failures, dropped connections, and killing the client mid-batch.
"""
import argparse
import asyncio
import json
import os
import signal
import socket
import ssl
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class OldSMTP(SMTP):
    """A server from before ESMTP: EHLO is an unknown command, HELO works."""

    async def smtp_EHLO(self, hostname):
        await self.push("502 5.5.1 EHLO not implemented")


class OldController(Controller):
    def factory(self):
        return OldSMTP(self.handler, **self.SMTP_kwargs)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Sink:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.data_count = 0  # DATA commands seen (accepted or not)
        self.stored = len([n for n in os.listdir(args.dir) if n.endswith(".json")])
        self.refuse = dict(item.split("=", 1) for item in args.refuse_rcpt)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        code = self.refuse.get(address)
        if code:
            return f"{code} {'mailbox unavailable' if code.startswith('5') else 'try again later'}"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.data_count += 1
            n = self.data_count
        if self.args.kill_at and n == self.args.kill_at:
            with open(self.args.kill_pid_file) as f:
                os.kill(int(f.read().strip()), signal.SIGKILL)
            return "451 the client was killed"
        if self.args.drop_at and n == self.args.drop_at:
            server.transport.close()
            return "451 dropping"
        if n <= self.args.transient_first:
            return "451 4.3.0 try again later"
        if self.args.delay:
            await asyncio.sleep(self.args.delay)
        with self.lock:
            self.stored += 1
            name = f"{self.stored:06d}.json"
        record = {"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos,
                  "data": envelope.original_content.decode("latin-1"), "auth": bool(session.authenticated),
                  "tls": session.ssl is not None}
        tmp = os.path.join(self.args.dir, "." + name)
        with open(tmp, "w") as f:
            json.dump(record, f)
        os.rename(tmp, os.path.join(self.args.dir, name))
        return "250 OK stored"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--require-starttls", action="store_true")
    parser.add_argument("--auth", help="user:password; AUTH becomes required")
    parser.add_argument("--auth-exclude", action="append", default=[], help="a mechanism not to offer (PLAIN, LOGIN)")
    parser.add_argument("--refuse-rcpt", action="append", default=[], help="ADDRESS=CODE")
    parser.add_argument("--transient-first", type=int, default=0, help="reply 451 to the first N messages")
    parser.add_argument("--drop-at", type=int, default=0, help="close the connection at the Nth DATA")
    parser.add_argument("--kill-at", type=int, default=0, help="SIGKILL the pid in --kill-pid-file at the Nth DATA")
    parser.add_argument("--kill-pid-file")
    parser.add_argument("--delay", type=float, default=0)
    parser.add_argument("--no-ehlo", action="store_true", help="answer EHLO with 502, like a pre-ESMTP server")
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)

    tls = None
    if args.cert:
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(args.cert, args.key)

    authenticator = None
    if args.auth:
        user, password = args.auth.split(":", 1)

        def authenticator(server, session, envelope, mechanism, data):
            ok = isinstance(data, LoginPassword) and data.login.decode() == user and data.password.decode() == password
            return AuthResult(success=ok, handled=False)

    port = args.port or free_port()
    controller = (OldController if args.no_ehlo else Controller)(Sink(args), hostname="127.0.0.1", port=port, tls_context=tls,
                            require_starttls=args.require_starttls, authenticator=authenticator,
                            auth_required=bool(args.auth), auth_require_tls=bool(tls),
                            auth_exclude_mechanism=args.auth_exclude or None, ready_timeout=10)
    controller.start()
    print(f"READY {port}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    # Exit with the test process: stdin closes when it goes.
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    # A bounded wait lets the main thread run the signal handlers.
    while not stop.wait(0.2):
        pass
    controller.stop()


if __name__ == "__main__":
    main()
