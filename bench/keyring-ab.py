#!/usr/bin/env python3
"""Two builds side by side, runs interleaved (A, B, A, B, ...), with the token
in the Secret Service: the editor's first frame with loaded settings (80x24,
in a pseudo-terminal, as bench/editor.py measures it) and `get --json`, both
against the local simulator.

    scripts/with-keyring.sh bench/keyring-ab.py BIN_A BIN_B [RUNS]

Interleaving spreads a busy machine's noise over both builds alike, which
one build after the other (bench/keyring.sh, bench/editor.py) does not.
Prints median, min and max of RUNS runs (default 30) of each, after 3 warm-up
runs of each. Uses only the Python standard library and bench/editor.py.
"""
import os, socket, statistics, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import importlib.util

spec = importlib.util.spec_from_file_location(
    "editor_bench", os.path.join(os.path.dirname(os.path.abspath(__file__)), "editor.py"))
editor = importlib.util.module_from_spec(spec)
spec.loader.exec_module(editor)


def first_frame(binary, env):
    editor.BIN = binary
    start = time.monotonic()
    pid, fd = editor.spawn(env)
    editor.read_until(fd, editor.MARKER, 10)
    took = (time.monotonic() - start) * 1000
    editor.stop(pid, fd)
    return took


def get_json(binary, env):
    start = time.monotonic()
    subprocess.run([binary, "get", "--json"], env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return (time.monotonic() - start) * 1000


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    bins = [os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])]
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 30
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        print("no session bus: run under scripts/with-keyring.sh", file=sys.stderr)
        return 2
    port = editor.free_port()
    sim = subprocess.Popen([bins[0], "sim", "--port", str(port)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    home = tempfile.mkdtemp()
    profile = f"bench-ab-{os.getpid()}"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": home,
        "TERM": "xterm-256color",
        "EXOSET_HOME": home,
        "EXOSET_PROFILE": profile,
        "EXOSET_KEYSTORE": "secret-service",
    }
    for name in ["DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR"]:
        if name in os.environ:
            env[name] = os.environ[name]
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), 0.1).close()
                break
            except OSError:
                time.sleep(0.05)
        subprocess.run(
            [bins[0], "auth", "login", "--sid", "exoset-demo", "--api-key", "demo-key",
             "--base-url", f"http://127.0.0.1:{port}", "--token-stdin", "--no-verify"],
            input=b"demo-token\n", env=env, check=True,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        results = {}
        for name, measure in [("editor first frame", first_frame), ("get --json", get_json)]:
            times = {b: [] for b in bins}
            for i in range(3 + runs):
                for b in (bins if i % 2 == 0 else bins[::-1]):
                    took = measure(b, env)
                    if i >= 3:
                        times[b].append(took)
            results[name] = times
    finally:
        subprocess.run([bins[0], "auth", "logout"], env=env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        sim.terminate()
        sim.wait()
    print(f"{'measure':<20} {'binary':<28} {'median ms':>10} {'min':>7} {'max':>7}")
    for name, times in results.items():
        for b in bins:
            t = times[b]
            print(f"{name:<20} {os.path.basename(b):<28} {statistics.median(t):>10.2f} "
                  f"{min(t):>7.2f} {max(t):>7.2f}")
        a, b = (statistics.median(times[x]) for x in bins)
        print(f"{name:<20} {'median A - B':<28} {a - b:>10.2f}")
    print(f"load average at the end: {open('/proc/loadavg').read().split()[0:3]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
