//! `trellis serve` child processes for the tests that need real processes
//! (SIGKILL, several nodes on one database): started on a free loopback port,
//! ready once `/readyz` answers, killed when dropped.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::cli::trellis;

/// A `trellis serve` child process.
pub struct Proc {
    child: Child,
    pub url: String,
}

impl Proc {
    pub async fn start(env: &[(String, String)], role: &str) -> Proc {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let url = format!("http://127.0.0.1:{port}");
        let mut env = env.to_vec();
        env.push(("TRELLIS_LISTEN".into(), format!("127.0.0.1:{port}")));
        env.push(("TRELLIS_PUBLIC_URL".into(), url.clone()));
        let mut child = trellis(&env)
            .args(["serve", "--role", role])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        for _ in 0..300 {
            if reqwest::get(format!("{url}/readyz"))
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                return Proc { child, url };
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("trellis serve --role {role} did not come up");
    }

    /// SIGKILL: no chance to hand anything back.
    pub fn kill9(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// SIGTERM, and wait for a clean exit.
    pub fn stop(mut self) {
        let st = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(st.success());
        assert!(self.child.wait().unwrap().success());
    }
}

/// A test that fails leaves no process behind (once waited for, a child is
/// not signalled again).
impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
