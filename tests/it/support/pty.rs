//! The real `exoset` binary in a pseudo-terminal: type keys, read the screen
//! through a VT100 parser, send signals, and check the terminal was restored.

#![allow(dead_code)]

use nix::sys::signal::{Signal, kill};
use nix::sys::termios::LocalFlags;
use nix::unistd::Pid;
use portable_pty::{CommandBuilder, MasterPty, PtySize, native_pty_system};
use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub struct Pty {
    master: Box<dyn MasterPty + Send>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
    parser: Arc<Mutex<vt100::Parser>>,
    /// Every byte the program wrote, for checks on escape sequences.
    raw: Arc<Mutex<Vec<u8>>>,
    /// The terminal's own side, opened here only to ask how many typed
    /// bytes the program has not read yet; closed when the program exits,
    /// so the reader sees the end.
    slave: Option<std::fs::File>,
    /// Ends when the reader has seen the last byte (the terminal closed).
    reader_done: std::sync::mpsc::Receiver<()>,
}

/// How long a write may wait for the program to read it.
const READ_BOUND: Duration = Duration::from_secs(10);

impl Pty {
    /// Starts the binary with `args` and `env` on a `cols`×`rows` terminal.
    pub fn spawn(args: &[&str], env: &[(&str, &str)], cols: u16, rows: u16) -> Pty {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("openpty");
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_exoset"));
        cmd.args(args);
        cmd.env("TERM", "xterm-256color");
        for name in [
            "EXOSET_PROFILE",
            "EXOSET_API_TOKEN",
            "EXOSET_BASE_URL",
            "EXOSET_TENANT_SID",
            "EXOSET_API_KEY",
            "NO_COLOR",
            "VISUAL",
            "EDITOR",
        ] {
            cmd.env_remove(name);
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = pair.slave.spawn_command(cmd).expect("spawn exoset");
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().expect("reader");
        let writer = pair.master.take_writer().expect("writer");
        let parser = Arc::new(Mutex::new(vt100::Parser::new(
            std::num::NonZeroU16::new(rows).expect("rows > 0"),
            std::num::NonZeroU16::new(cols).expect("cols > 0"),
            0,
        )));
        let raw = Arc::new(Mutex::new(Vec::new()));
        let (p, r) = (parser.clone(), raw.clone());
        let (done_tx, reader_done) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            loop {
                match reader.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        p.lock().unwrap().process(&buf[..n]);
                        r.lock().unwrap().extend_from_slice(&buf[..n]);
                    }
                }
            }
            let _ = done_tx.send(());
        });
        let slave = pair.master.tty_name().and_then(|name| {
            use std::os::unix::fs::OpenOptionsExt;
            std::fs::File::options()
                .read(true)
                .custom_flags(nix::libc::O_NOCTTY)
                .open(name)
                .ok()
        });
        assert!(
            slave.is_some(),
            "the terminal's own side could not be opened"
        );
        Pty {
            master: pair.master,
            writer,
            child,
            parser,
            raw,
            slave,
            reader_done,
        }
    }

    /// Makes the terminal `cols`×`rows`, as a person dragging the window
    /// would: the program gets SIGWINCH.
    pub fn resize(&self, cols: u16, rows: u16) {
        let mut parser = self.parser.lock().unwrap();
        parser.set_size(
            std::num::NonZeroU16::new(rows).expect("rows > 0"),
            std::num::NonZeroU16::new(cols).expect("cols > 0"),
        );
        self.master
            .resize(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("resize the pty");
    }

    pub fn pid(&self) -> i32 {
        self.child.process_id().expect("pid") as i32
    }

    /// Writes `bytes` and waits until the program has read them all (the
    /// terminal's input queue is empty), so that the next write is a
    /// separate read, as a person's next keystroke would be — an Esc then a
    /// `q` are two keys, not Alt-q — with no fixed pause.
    pub fn send(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).expect("write to pty");
        self.writer.flush().expect("flush pty");
        self.wait_read();
    }

    /// Waits until the program has read everything typed so far, or has
    /// exited (then nobody will).
    pub fn wait_read(&mut self) {
        let start = Instant::now();
        while let Some(slave) = &self.slave {
            match rustix::io::ioctl_fionread(slave) {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            if self.child.try_wait().ok().flatten().is_some() {
                return;
            }
            assert!(
                start.elapsed() < READ_BOUND,
                "the program did not read its input within {READ_BOUND:?}; screen:\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    pub fn keys(&mut self, text: &str) {
        for c in text.chars() {
            let mut b = [0u8; 4];
            self.send(c.encode_utf8(&mut b).as_bytes());
        }
    }

    /// Types `text` in one write: the program reads it as separate keys,
    /// without waiting between them.
    pub fn type_str(&mut self, text: &str) {
        self.send(text.as_bytes());
    }

    /// Everything the program wrote after the last time it left the
    /// alternate screen, as text (what stays on the shell's screen).
    pub fn after_restore(&self) -> String {
        let raw = String::from_utf8_lossy(&self.raw_output()).into_owned();
        match raw.rfind("\x1b[?1049l") {
            Some(at) => raw[at..].to_string(),
            None => String::new(),
        }
    }

    pub fn screen(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    pub fn raw_output(&self) -> Vec<u8> {
        self.raw.lock().unwrap().clone()
    }

    /// Waits until the screen holds `text`; panics with the screen if not.
    pub fn wait_for(&self, text: &str, timeout: Duration) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if screen.contains(text) {
                return screen;
            }
            if start.elapsed() > timeout {
                panic!("{text:?} did not appear within {timeout:?}; screen:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// Waits until the screen no longer holds `text`; panics with the screen if it stays.
    pub fn wait_gone(&self, text: &str, timeout: Duration) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if !screen.contains(text) {
                return screen;
            }
            if start.elapsed() > timeout {
                panic!("{text:?} still shown after {timeout:?}; screen:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    pub fn signal(&self, signal: Signal) {
        kill(Pid::from_raw(self.pid()), signal).expect("send signal");
    }

    /// Waits for the program to exit; returns its exit code (or 128+signal).
    pub fn wait_exit(&mut self, timeout: Duration) -> u32 {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                // Close our handle on the terminal, then wait for the reader
                // to see its end: every byte the program wrote is read.
                self.slave = None;
                self.reader_done
                    .recv_timeout(READ_BOUND)
                    .expect("the terminal was not closed after the program exited");
                return status.exit_code();
            }
            if start.elapsed() > timeout {
                let _ = self.child.kill();
                panic!(
                    "exoset did not exit within {timeout:?}; screen:\n{}",
                    self.screen()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Canonical mode and echo are on (raw mode, if any, was undone).
    pub fn is_cooked(&self) -> bool {
        let termios = self.master.get_termios().expect("termios");
        termios.local_flags.contains(LocalFlags::ICANON)
            && termios.local_flags.contains(LocalFlags::ECHO)
    }

    /// The terminal is as a shell wants it: canonical mode and echo on, the
    /// alternate screen left, the cursor shown, mouse capture off.
    pub fn assert_restored(&self) {
        let termios = self.master.get_termios().expect("termios");
        assert!(
            termios.local_flags.contains(LocalFlags::ICANON),
            "raw mode left on (ICANON off)"
        );
        assert!(
            termios.local_flags.contains(LocalFlags::ECHO),
            "echo left off"
        );
        let raw = String::from_utf8_lossy(&self.raw_output()).into_owned();
        let last = |seq: &str| raw.rfind(seq);
        let entered = last("\x1b[?1049h").expect("never entered the alternate screen");
        let left = last("\x1b[?1049l").expect("alternate screen not left");
        assert!(
            left > entered,
            "alternate screen entered again after leaving"
        );
        let hidden = last("\x1b[?25l");
        let shown = last("\x1b[?25h").expect("cursor never shown again");
        assert!(hidden.is_none_or(|h| shown > h), "cursor left hidden");
        if let Some(on) = last("\x1b[?1000h") {
            let off = last("\x1b[?1000l").expect("mouse capture left on");
            assert!(off > on, "mouse capture left on");
        }
    }
}

impl Drop for Pty {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}
