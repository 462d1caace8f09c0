//! nginx as a baseline: a child process serving files from a temporary directory on a
//! free loopback port, with `sendfile`, keep-alive and no access log.
//!
//! It runs in the foreground (`daemon off`) with its own config, prefix, pid file and
//! error log, so it touches nothing of the machine's nginx. Dropping [`Nginx`] stops it
//! (also when the benchmark panics); if the benchmark is killed outright, nginx gets
//! SIGTERM through `setpriv --pdeathsig` where that exists.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running nginx; stopped on drop.
pub struct Nginx {
    pub base: String,
    /// The document root: put files here (before or after start).
    pub root: PathBuf,
    child: Option<Child>,
    dir: tempfile::TempDir,
}

/// True when an `nginx` binary can be found.
pub fn available() -> bool {
    binary().is_some()
}

fn binary() -> Option<PathBuf> {
    ["/usr/sbin/nginx", "/usr/bin/nginx", "/usr/local/sbin/nginx"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

/// A port nobody listens on right now (there is a small window before nginx binds it).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
}

fn config(prefix: &Path, root: &Path, port: u16) -> String {
    let p = prefix.display();
    format!(
        "worker_processes 2;\n\
         pid {p}/nginx.pid;\n\
         error_log {p}/error.log warn;\n\
         events {{ worker_connections 1024; }}\n\
         http {{\n\
         \x20 access_log off;\n\
         \x20 sendfile on;\n\
         \x20 tcp_nopush on;\n\
         \x20 tcp_nodelay on;\n\
         \x20 keepalive_timeout 65;\n\
         \x20 keepalive_requests 10000000;\n\
         \x20 types {{ text/html html; text/css css; application/gzip gz; }}\n\
         \x20 default_type application/octet-stream;\n\
         \x20 client_body_temp_path {p}/tmp/body;\n\
         \x20 proxy_temp_path {p}/tmp/proxy;\n\
         \x20 fastcgi_temp_path {p}/tmp/fastcgi;\n\
         \x20 uwsgi_temp_path {p}/tmp/uwsgi;\n\
         \x20 scgi_temp_path {p}/tmp/scgi;\n\
         \x20 server {{\n\
         \x20   listen 127.0.0.1:{port};\n\
         \x20   root {root};\n\
         \x20 }}\n\
         }}\n",
        root = root.display()
    )
}

impl Nginx {
    /// Writes a config and starts nginx; waits (at most 10 s) until it accepts connections.
    pub fn start() -> Result<Nginx, String> {
        let bin = binary().ok_or("nginx not found (apt-get install nginx)")?;
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let root = dir.path().join("www");
        std::fs::create_dir_all(root.join("pkg")).map_err(|e| e.to_string())?;
        std::fs::create_dir_all(dir.path().join("tmp")).map_err(|e| e.to_string())?;
        // Workers drop to an unprivileged user when started as root: let them read the files.
        {
            use std::os::unix::fs::PermissionsExt;
            for d in [dir.path(), &root, &root.join("pkg")] {
                std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755))
                    .map_err(|e| e.to_string())?;
            }
        }
        let port = free_port();
        let conf = dir.path().join("nginx.conf");
        std::fs::write(&conf, config(dir.path(), &root, port)).map_err(|e| e.to_string())?;
        // Where util-linux's setpriv is there, nginx also gets SIGTERM (a fast, clean
        // stop) should this process die without unwinding (SIGKILL, abort).
        let mut cmd = match Path::new("/usr/bin/setpriv").exists() {
            true => {
                let mut c = Command::new("/usr/bin/setpriv");
                c.arg("--pdeathsig").arg("TERM").arg(&bin);
                c
            }
            false => Command::new(&bin),
        };
        let child = cmd
            .arg("-c")
            .arg(&conf)
            .arg("-p")
            .arg(dir.path())
            .arg("-e")
            .arg(dir.path().join("error.log"))
            .arg("-g")
            .arg("daemon off;")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("starting nginx: {e}"))?;
        let mut n = Nginx {
            base: format!("http://127.0.0.1:{port}"),
            root,
            child: Some(child),
            dir,
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Ok(n);
            }
            if let Some(child) = n.child.as_mut() {
                if let Ok(Some(status)) = child.try_wait() {
                    let log =
                        std::fs::read_to_string(n.dir.path().join("error.log")).unwrap_or_default();
                    n.child = None;
                    return Err(format!("nginx exited ({status}): {log}"));
                }
            }
            if Instant::now() > deadline {
                return Err("nginx did not start listening within 10 s".into());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Puts `bytes` at `path` (relative to the document root), readable by the workers.
    pub fn put(&self, path: &str, bytes: &[u8]) {
        use std::os::unix::fs::PermissionsExt;
        let file = self.root.join(path.trim_start_matches('/'));
        std::fs::write(&file, bytes).expect("write nginx file");
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644))
            .expect("chmod nginx file");
    }

    pub fn version() -> String {
        binary()
            .and_then(|b| Command::new(b).arg("-v").output().ok())
            .map(|o| String::from_utf8_lossy(&o.stderr).trim().to_owned())
            .unwrap_or_default()
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            // SIGKILL of the master leaves the workers behind until they notice; ask
            // politely first (SIGQUIT: graceful stop), then make sure.
            let _ = Command::new("kill")
                .arg("-QUIT")
                .arg(child.id().to_string())
                .status();
            let deadline = Instant::now() + Duration::from_secs(5);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
