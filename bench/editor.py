#!/usr/bin/env python3
"""Editor measurements in a real pseudo-terminal, against the local simulator.

    bench/editor.py [--runs N] [--idle SECS] [--token-from env|secret-service|keyutils]

BIN=PATH measures that binary instead of building target/release/exoset.

With --token-from secret-service (run under scripts/with-keyring.sh) or
keyutils, the token is saved in that store for a profile and the editor reads
it from there, as a laptop user's does; env (the default) passes it in
EXOSET_API_TOKEN.

- launch to first frame that shows loaded settings: time from spawn until the
  screen holds a value that only the GET can have put there (median of N);
- CPU used while idle: CPU time of all the process's threads over SECS seconds
  of no input after the settings are on screen (from /proc/PID/task/*/schedstat);
- peak RSS in the editor: VmHWM from /proc/PID/status after loading, moving
  through all three tabs, opening the help and the diff view;
- size of the stripped release binary.

Uses only the Python standard library (pty, os, select). Builds the release
binary and starts `exoset sim` on a free loopback port first.
"""
import argparse, os, pty, select, signal, socket, statistics, struct, subprocess, sys, time
import fcntl, termios

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# BIN=path measures that binary as it is (no build), e.g. an older build.
BIN = os.environ.get("BIN") or os.path.join(ROOT, "target", "release", "exoset")
# A value of the demo settings that is on the first screen once loaded.
MARKER = b"POST_JSON"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def spawn(env, cols=80, rows=24):
    pid, fd = pty.fork()
    if pid == 0:
        os.execve(BIN, [BIN], env)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    return pid, fd


def read_until(fd, marker, timeout):
    seen = b""
    end = time.monotonic() + timeout
    while marker not in seen:
        left = end - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"{marker!r} not seen; last output: {seen[-400:]!r}")
        r, _, _ = select.select([fd], [], [], left)
        if r:
            try:
                seen += os.read(fd, 65536)
            except OSError:
                break
    return seen


def drain(fd, secs):
    end = time.monotonic() + secs
    while time.monotonic() < end:
        r, _, _ = select.select([fd], [], [], max(0, end - time.monotonic()))
        if r:
            try:
                os.read(fd, 65536)
            except OSError:
                return


def cpu_ns(pid):
    """CPU time of all the process's threads, in ns (sum of their schedstat)."""
    total = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        total += int(open(f"/proc/{pid}/task/{tid}/schedstat").read().split()[0])
    return total


def vm_hwm_kib(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def stop(pid, fd):
    try:
        os.write(fd, b"\x03")  # Ctrl-C quits at once
    except OSError:
        pass
    for _ in range(100):
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        drain(fd, 0.02)
    else:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    os.close(fd)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--idle", type=float, default=10.0)
    ap.add_argument("--token-from", default="env",
                    choices=["env", "secret-service", "keyutils"])
    args = ap.parse_args()

    if not os.environ.get("BIN"):
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    port = free_port()
    env = {}
    sim = subprocess.Popen([BIN, "sim", "--port", str(port)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), 0.1).close()
                break
            except OSError:
                time.sleep(0.05)
        home = subprocess.check_output(["mktemp", "-d"]).decode().strip()
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": home,
            "TERM": "xterm-256color",
            "EXOSET_HOME": home,
        }
        for name in ["DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR"]:
            if name in os.environ:
                env[name] = os.environ[name]
        base = f"http://127.0.0.1:{port}"
        if args.token_from == "env":
            env.update({
                "EXOSET_BASE_URL": base,
                "EXOSET_TENANT_SID": "exoset-demo",
                "EXOSET_API_KEY": "demo-key",
                "EXOSET_API_TOKEN": "demo-token",
            })
        else:
            profile = f"bench-{os.getpid()}"
            login = dict(env, EXOSET_KEYSTORE=args.token_from)
            subprocess.run(
                [BIN, "-p", profile, "auth", "login", "--sid", "exoset-demo",
                 "--api-key", "demo-key", "--base-url", base, "--token-stdin",
                 "--no-verify"],
                input=b"demo-token\n", env=login, check=True,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            env.update({"EXOSET_PROFILE": profile, "EXOSET_KEYSTORE": args.token_from})

        # Launch to the first frame with loaded settings.
        times = []
        for _ in range(3 + args.runs):
            start = time.monotonic()
            pid, fd = spawn(env)
            read_until(fd, MARKER, 10)
            times.append((time.monotonic() - start) * 1000)
            stop(pid, fd)
        times = times[3:]  # the first runs warm the page cache

        # Idle CPU and peak RSS.
        pid, fd = spawn(env)
        read_until(fd, MARKER, 10)
        drain(fd, 0.5)
        before = cpu_ns(pid)
        drain(fd, args.idle)
        idle_ms = (cpu_ns(pid) - before) / 1e6
        for key in [b"2", b"3", b"1", b"j", b"j", b" ", b"?", b"\x1b", b"d", b"\x1b", b"u"]:
            os.write(fd, key)
            drain(fd, 0.1)
        rss_mib = vm_hwm_kib(pid) / 1024
        stop(pid, fd)
    finally:
        if args.token_from != "env" and "EXOSET_PROFILE" in env:
            subprocess.run([BIN, "auth", "logout"], env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        sim.terminate()
        sim.wait()

    size_mib = os.path.getsize(BIN) / (1024 * 1024)
    print(f"token from: {args.token_from}")
    print(f"first frame with loaded settings: median {statistics.median(times):.1f} ms "
          f"(min {min(times):.1f}, max {max(times):.1f}, {len(times)} runs)")
    print(f"CPU while idle for {args.idle:.0f} s: {idle_ms:.2f} ms")
    print(f"peak RSS in the editor: {rss_mib:.1f} MiB")
    print(f"stripped release binary: {size_mib:.1f} MiB")


if __name__ == "__main__":
    sys.exit(main())
