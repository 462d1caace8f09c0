//! The TCP listener Trellis serves on, tuned for keep-alive connections.
//!
//! Every accepted connection gets `TCP_NODELAY`. Without it, a response written in
//! more than one piece (a streamed download, a static file, a server-rendered page)
//! leaves its last small segment waiting in Nagle's algorithm for the client's
//! delayed ACK: about 40 ms per response on a keep-alive connection.

use axum::serve::{ListenerExt, TapIo};
use tokio::net::{TcpListener, TcpStream};

/// A [`TcpListener`] that sets `TCP_NODELAY` on every connection it accepts.
///
/// A concrete type (not `impl Listener`) so that `ConnectInfo<SocketAddr>` still works.
pub type Tuned = TapIo<TcpListener, fn(&mut TcpStream)>;

/// Wraps `listener` so that every accepted connection has `TCP_NODELAY` set.
pub fn tuned(listener: TcpListener) -> Tuned {
    listener.tap_io(set_nodelay as fn(&mut TcpStream))
}

fn set_nodelay(tcp: &mut TcpStream) {
    if let Err(e) = tcp.set_nodelay(true) {
        tracing::debug!(error = %e, "could not set TCP_NODELAY");
    }
}
