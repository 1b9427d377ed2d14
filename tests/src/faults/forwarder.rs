//! A loopback forwarder that takes "Google" off the network and back on the same port.

use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::{HarnessError, Result};

struct ForwarderState {
    stop: Option<Arc<AtomicBool>>,
    acceptor: Option<JoinHandle<()>>,
    connections: Arc<Mutex<Vec<TcpStream>>>,
}

/// A loopback TCP forwarder in front of the emulator, so a test can take "Google" off the network (connections
/// refused, open ones cut) and bring it back on the same port with the emulator's state intact: its mail,
/// history and issued tokens live in memory only, so stopping the emulator process itself would make a
/// different Google on restart. The host is configured with [`Forwarder::base_url`].
pub struct Forwarder {
    port: u16,
    target: SocketAddr,
    state: Mutex<ForwarderState>,
}

impl Forwarder {
    /// Listens on a free loopback port and forwards to the emulator at `emulator_base` (`http://127.0.0.1:P`).
    pub fn start(emulator_base: &str) -> Result<Forwarder> {
        let target: SocketAddr = emulator_base
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .parse()
            .map_err(|e| {
                HarnessError::Unexpected(format!("emulator address {emulator_base}: {e}"))
            })?;
        let listener =
            TcpListener::bind("127.0.0.1:0").map_err(HarnessError::io("binding the forwarder"))?;
        let port = listener
            .local_addr()
            .map_err(HarnessError::io("reading the forwarder's port"))?
            .port();
        let forwarder = Forwarder {
            port,
            target,
            state: Mutex::new(ForwarderState {
                stop: None,
                acceptor: None,
                connections: Arc::new(Mutex::new(Vec::new())),
            }),
        };
        forwarder.serve(listener);
        Ok(forwarder)
    }

    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ForwarderState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn serve(&self, listener: TcpListener) {
        let stop = Arc::new(AtomicBool::new(false));
        let mut state = self.lock();
        let connections = state.connections.clone();
        let target = self.target;
        let stopped = stop.clone();
        let acceptor = std::thread::spawn(move || {
            for incoming in listener.incoming() {
                if stopped.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(client) = incoming else { continue };
                let Ok(upstream) = TcpStream::connect(target) else {
                    continue;
                };
                let pairs = (client.try_clone(), upstream.try_clone());
                let (Ok(client_copy), Ok(upstream_copy)) = pairs else {
                    continue;
                };
                if let Ok(mut open) = connections.lock() {
                    open.extend(client.try_clone());
                    open.extend(upstream.try_clone());
                }
                pump(client, upstream_copy);
                pump(upstream, client_copy);
            }
        });
        state.stop = Some(stop);
        state.acceptor = Some(acceptor);
    }

    /// Takes the address off the network: new connections are refused and open ones are cut.
    pub fn down(&self) {
        let mut state = self.lock();
        if let Some(stop) = state.stop.take() {
            stop.store(true, Ordering::SeqCst);
            // Wakes the acceptor so it sees the flag and drops the listener.
            let _ = TcpStream::connect(("127.0.0.1", self.port));
        }
        if let Some(acceptor) = state.acceptor.take() {
            let _ = acceptor.join();
        }
        let connections = state.connections.clone();
        drop(state);
        let open: Vec<TcpStream> = match connections.lock() {
            Ok(mut open) => open.drain(..).collect(),
            Err(_) => Vec::new(),
        };
        for stream in open {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }

    /// Listens on the same port again.
    pub fn up(&self) -> Result<()> {
        let until = Instant::now() + Duration::from_secs(10);
        let listener = loop {
            match TcpListener::bind(("127.0.0.1", self.port)) {
                Ok(listener) => break listener,
                // The old listener's port can take a moment to be free again.
                Err(_) if Instant::now() < until => std::thread::sleep(Duration::from_millis(50)),
                Err(e) => {
                    return Err(HarnessError::io(format!(
                        "binding port {} again",
                        self.port
                    ))(e))
                }
            }
        };
        self.serve(listener);
        Ok(())
    }
}

impl Drop for Forwarder {
    fn drop(&mut self) {
        self.down();
    }
}

/// Copies one direction of a connection until it ends, then closes the other side's writing half.
fn pump(mut from: TcpStream, mut to: TcpStream) {
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut from, &mut to);
        let _ = to.shutdown(Shutdown::Write);
    });
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};

    use super::*;

    #[test]
    fn the_forwarder_refuses_while_down_and_forwards_on_the_same_port_after() {
        let upstream = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = upstream.local_addr().unwrap();
        std::thread::spawn(move || {
            for stream in upstream.incoming() {
                let mut stream = stream.unwrap();
                let _ = stream.write_all(b"hi");
            }
        });
        let forwarder = Forwarder::start(&format!("http://{address}")).unwrap();
        let port = forwarder
            .base_url()
            .rsplit(':')
            .next()
            .unwrap()
            .parse::<u16>()
            .unwrap();
        let read = || {
            let mut s = TcpStream::connect(("127.0.0.1", port))?;
            let mut buf = [0u8; 2];
            s.read_exact(&mut buf)?;
            Ok::<_, std::io::Error>(buf)
        };
        assert_eq!(&read().unwrap(), b"hi");
        forwarder.down();
        assert!(read().is_err());
        forwarder.up().unwrap();
        assert_eq!(&read().unwrap(), b"hi");
    }
}
