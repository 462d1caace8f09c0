//! Which addresses a delivery may connect to. Webhook URLs are chosen by
//! users, so a delivery must never reach loopback, private networks, cloud
//! metadata services and the like, unless an operator allows a network.
//!
//! [`client`] builds the HTTP client deliveries use: its resolver
//! ([`GuardedResolver`]) keeps only allowed addresses, and since the client
//! connects only to what the resolver returned, a DNS answer that changes
//! between check and connect (DNS rebinding) cannot get through. Hosts written
//! as IP literals never reach a resolver: [`check_url`] judges those.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

/// A network: an address and a prefix length (host bits are cleared).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Cidr {
    addr: IpAddr,
    prefix: u8,
}

/// A string that is not a network in CIDR form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a network in CIDR form (such as 10.0.0.0/8 or fd00::/8)")]
pub struct CidrError(pub String);

impl Cidr {
    /// The network of `addr` with `prefix` bits, `None` if the prefix is
    /// longer than the address.
    pub fn new(addr: IpAddr, prefix: u8) -> Option<Cidr> {
        let addr = match addr {
            IpAddr::V4(a) if prefix <= 32 => {
                IpAddr::V4(Ipv4Addr::from(u32::from(a) & mask4(prefix)))
            }
            IpAddr::V6(a) if prefix <= 128 => {
                IpAddr::V6(Ipv6Addr::from(u128::from(a) & mask6(prefix)))
            }
            _ => return None,
        };
        Some(Cidr { addr, prefix })
    }

    pub fn addr(&self) -> IpAddr {
        self.addr
    }

    pub fn prefix(&self) -> u8 {
        self.prefix
    }

    /// Whether `ip` is in this network. Families never mix: an IPv4 network
    /// does not contain `::ffff:10.0.0.1` (the [`Guard`] judges such
    /// addresses by their IPv4 address).
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                u32::from(ip) & mask4(self.prefix) == u32::from(net)
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                u128::from(ip) & mask6(self.prefix) == u128::from(net)
            }
            _ => false,
        }
    }
}

fn mask4(prefix: u8) -> u32 {
    u32::MAX
        .checked_shl(32 - u32::from(prefix.min(32)))
        .unwrap_or(0)
}

fn mask6(prefix: u8) -> u128 {
    u128::MAX
        .checked_shl(128 - u32::from(prefix.min(128)))
        .unwrap_or(0)
}

impl FromStr for Cidr {
    type Err = CidrError;

    /// `10.0.0.0/8`, `fd00::/8`, or a bare address (a single host).
    fn from_str(s: &str) -> Result<Cidr, CidrError> {
        let err = || CidrError(s.to_owned());
        let (addr, prefix) = match s.split_once('/') {
            Some((addr, prefix)) => {
                if prefix.is_empty()
                    || prefix.len() > 3
                    || !prefix.bytes().all(|b| b.is_ascii_digit())
                {
                    return Err(err());
                }
                (addr, Some(prefix.parse::<u8>().map_err(|_| err())?))
            }
            None => (s, None),
        };
        let addr: IpAddr = addr.parse().map_err(|_| err())?;
        let full = if addr.is_ipv4() { 32 } else { 128 };
        Cidr::new(addr, prefix.unwrap_or(full)).ok_or_else(err)
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

/// Why an address is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reason {
    Unspecified,
    Loopback,
    Private,
    SharedAddressSpace,
    LinkLocal,
    Metadata,
    Documentation,
    Benchmarking,
    Multicast,
    Broadcast,
    Nat64,
    Reserved,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Unspecified => "unspecified",
            Reason::Loopback => "loopback",
            Reason::Private => "private",
            Reason::SharedAddressSpace => "shared address space",
            Reason::LinkLocal => "link-local",
            Reason::Metadata => "metadata",
            Reason::Documentation => "documentation",
            Reason::Benchmarking => "benchmarking",
            Reason::Multicast => "multicast",
            Reason::Broadcast => "broadcast",
            Reason::Nat64 => "NAT64",
            Reason::Reserved => "reserved",
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An address a delivery may not connect to, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{ip} is not a public address ({reason})")]
pub struct Refused {
    pub ip: IpAddr,
    pub reason: Reason,
}

/// Networks refused by default, most specific first (the first match names
/// the reason).
const DENY_V4: &[(u32, u8, Reason)] = &[
    (0xA9FE_A9FE, 32, Reason::Metadata),           // 169.254.169.254
    (0xFFFF_FFFF, 32, Reason::Broadcast),          // 255.255.255.255
    (0x0000_0000, 8, Reason::Unspecified),         // 0.0.0.0/8, "this network"
    (0x0A00_0000, 8, Reason::Private),             // 10.0.0.0/8
    (0x6440_0000, 10, Reason::SharedAddressSpace), // 100.64.0.0/10
    (0x7F00_0000, 8, Reason::Loopback),            // 127.0.0.0/8
    (0xA9FE_0000, 16, Reason::LinkLocal),          // 169.254.0.0/16
    (0xAC10_0000, 12, Reason::Private),            // 172.16.0.0/12
    (0xC000_0000, 24, Reason::Reserved),           // 192.0.0.0/24, IETF protocol assignments
    (0xC000_0200, 24, Reason::Documentation),      // 192.0.2.0/24
    (0xC058_6300, 24, Reason::Reserved),           // 192.88.99.0/24, 6to4 relay anycast
    (0xC0A8_0000, 16, Reason::Private),            // 192.168.0.0/16
    (0xC612_0000, 15, Reason::Benchmarking),       // 198.18.0.0/15
    (0xC633_6400, 24, Reason::Documentation),      // 198.51.100.0/24
    (0xCB00_7100, 24, Reason::Documentation),      // 203.0.113.0/24
    (0xE000_0000, 4, Reason::Multicast),           // 224.0.0.0/4
    (0xF000_0000, 4, Reason::Reserved),            // 240.0.0.0/4
];

const DENY_V6: &[(u128, u8, Reason)] = &[
    (0, 128, Reason::Unspecified), // ::/128
    (1, 128, Reason::Loopback),    // ::1/128
    (
        0xfd00_0ec2_0000_0000_0000_0000_0000_0254,
        128,
        Reason::Metadata,
    ), // fd00:ec2::254
    (0xfc00 << 112, 7, Reason::Private), // fc00::/7, unique local
    (0xfe80 << 112, 10, Reason::LinkLocal), // fe80::/10
    (0xfec0 << 112, 10, Reason::Private), // fec0::/10, deprecated site-local
    (0xff00 << 112, 8, Reason::Multicast), // ff00::/8
    (0x0064_ff9b << 96, 96, Reason::Nat64), // 64:ff9b::/96
    (0x0064_ff9b_0001 << 80, 48, Reason::Nat64), // 64:ff9b:1::/48, local-use NAT64
    (0x2001_0db8 << 96, 32, Reason::Documentation), // 2001:db8::/32
];

/// The IPv4 address an IPv6 address stands for: IPv4-mapped (`::ffff:a.b.c.d`)
/// and IPv4-compatible (`::a.b.c.d`, other than `::` and `::1`).
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let bits = u128::from(ip);
    let high = bits >> 32;
    if (high == 0xffff || high == 0) && bits > 1 {
        // Fits: the high 96 bits are checked above.
        Some(Ipv4Addr::from((bits & 0xffff_ffff) as u32))
    } else {
        None
    }
}

/// Why an address is refused by default, if it is.
pub fn default_denial(ip: IpAddr) -> Option<Reason> {
    match ip {
        IpAddr::V4(v4) => {
            let bits = u32::from(v4);
            DENY_V4
                .iter()
                .find(|(net, prefix, _)| bits & mask4(*prefix) == *net)
                .map(|(_, _, reason)| *reason)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = embedded_v4(v6) {
                return default_denial(IpAddr::V4(v4));
            }
            let bits = u128::from(v6);
            DENY_V6
                .iter()
                .find(|(net, prefix, _)| bits & mask6(*prefix) == *net)
                .map(|(_, _, reason)| *reason)
        }
    }
}

/// The address policy of deliveries: everything public, plus the networks an
/// operator allows (for receivers on a private network).
#[derive(Debug, Clone, Default)]
pub struct Guard {
    allow: Vec<Cidr>,
}

impl Guard {
    pub fn new(allow: Vec<Cidr>) -> Guard {
        Guard { allow }
    }

    /// `Ok` if a delivery may connect to `ip`: it is public, or inside an
    /// allowed network (an IPv4-mapped or -compatible IPv6 address is also
    /// matched by its IPv4 address).
    pub fn check(&self, ip: IpAddr) -> Result<(), Refused> {
        let Some(reason) = default_denial(ip) else {
            return Ok(());
        };
        let as_v4 = match ip {
            IpAddr::V6(v6) => embedded_v4(v6).map(IpAddr::V4),
            IpAddr::V4(_) => None,
        };
        let allowed = self
            .allow
            .iter()
            .any(|net| net.contains(ip) || as_v4.is_some_and(|v4| net.contains(v4)));
        if allowed {
            Ok(())
        } else {
            Err(Refused { ip, reason })
        }
    }
}

/// Checks the host of a URL when it is an IP literal (which no resolver sees);
/// a host name passes here, [`GuardedResolver`] checks what it resolves to.
pub fn check_url(guard: &Guard, url: &url::Url) -> Result<(), Refused> {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => guard.check(IpAddr::V4(ip)),
        Some(url::Host::Ipv6(ip)) => guard.check(IpAddr::V6(ip)),
        Some(url::Host::Domain(_)) | None => Ok(()),
    }
}

/// A failed resolution. The text of a refusal starts with `refused:`.
#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    #[error("could not resolve `{host}`: {source}")]
    Lookup {
        host: String,
        #[source]
        source: std::io::Error,
    },
    #[error("refused: `{host}` resolves to no address")]
    NoAddress { host: String },
    #[error("refused: `{host}` resolves only to addresses webhooks may not reach ({})", list(.refused))]
    Refused { host: String, refused: Vec<Refused> },
}

fn list(refused: &[Refused]) -> String {
    refused
        .iter()
        .map(|r| format!("{}: {}", r.ip, r.reason))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Resolves `host` and keeps the addresses `guard` allows (port 0; the client
/// sets the URL's port).
pub async fn resolve(guard: &Guard, host: &str) -> Result<Vec<SocketAddr>, ResolveError> {
    let found =
        tokio::net::lookup_host((host, 0))
            .await
            .map_err(|source| ResolveError::Lookup {
                host: host.to_owned(),
                source,
            })?;
    let mut allowed = Vec::new();
    let mut refused = Vec::new();
    for addr in found {
        match guard.check(addr.ip()) {
            Ok(()) => allowed.push(addr),
            Err(r) => {
                if !refused.contains(&r) {
                    refused.push(r);
                }
            }
        }
    }
    if !allowed.is_empty() {
        Ok(allowed)
    } else if refused.is_empty() {
        Err(ResolveError::NoAddress {
            host: host.to_owned(),
        })
    } else {
        Err(ResolveError::Refused {
            host: host.to_owned(),
            refused,
        })
    }
}

/// The resolver of the delivery client: system resolution, then the guard.
#[derive(Debug, Clone)]
pub struct GuardedResolver {
    guard: Arc<Guard>,
}

impl GuardedResolver {
    pub fn new(guard: Arc<Guard>) -> GuardedResolver {
        GuardedResolver { guard }
    }
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let guard = Arc::clone(&self.guard);
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addrs = resolve(&guard, &host).await?;
            Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// The HTTP client deliveries use: guarded resolution, no redirects, no
/// proxies from the environment, the given timeouts, Trellis's user agent.
/// Also call [`check_url`] before each request (IP-literal hosts).
pub fn client(
    guard: Arc<Guard>,
    connect_timeout: Duration,
    timeout: Duration,
) -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .dns_resolver(Arc::new(GuardedResolver::new(guard)))
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .connect_timeout(connect_timeout)
        .timeout(timeout)
        .user_agent(concat!("Trellis-Webhooks/", env!("CARGO_PKG_VERSION")))
        .tcp_nodelay(true)
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn cidr(s: &str) -> Cidr {
        s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    const DENIED: &str = "0.0.0.0 unspecified, 0.1.2.3 unspecified, 10.1.2.3 private, \
        100.64.0.1 shared address space, 100.127.255.255 shared address space, 127.0.0.1 loopback, \
        127.255.0.9 loopback, 169.254.1.1 link-local, 169.254.169.254 metadata, 172.16.0.1 private, \
        172.31.255.255 private, 192.0.0.8 reserved, 192.0.2.1 documentation, 192.88.99.1 reserved, \
        192.168.1.1 private, 198.18.0.1 benchmarking, 198.19.255.255 benchmarking, \
        198.51.100.7 documentation, 203.0.113.7 documentation, 224.0.0.1 multicast, \
        239.255.255.250 multicast, 240.0.0.1 reserved, 255.255.255.255 broadcast, \
        :: unspecified, ::1 loopback, fc00::1 private, fd12:3456::1 private, fd00:ec2::254 metadata, \
        fe80::1 link-local, febf::1 link-local, fec0::1 private, ff02::1 multicast, \
        64:ff9b::7f00:1 NAT64, 64:ff9b::808:808 NAT64, 64:ff9b:1::1 NAT64, 2001:db8::1 documentation, \
        ::ffff:127.0.0.1 loopback, ::ffff:169.254.169.254 metadata, ::ffff:10.0.0.1 private, \
        ::ffff:0.0.0.0 unspecified, ::127.0.0.1 loopback, ::10.0.0.1 private";

    const PUBLIC: &str = "1.1.1.1 8.8.8.8 9.255.255.255 11.0.0.0 100.63.255.255 100.128.0.0 \
        126.255.255.255 128.0.0.0 169.253.255.255 172.15.255.255 172.32.0.0 192.0.1.1 \
        192.167.255.255 192.169.0.0 198.17.255.255 198.20.0.0 223.255.255.255 \
        2606:4700:4700::1111 2a00:1450:4001::200e ::ffff:8.8.8.8 ::8.8.8.8 64:ff9b:2::1 \
        2001:db9::1 fe7f::1";

    #[test]
    fn denied_by_default() {
        let guard = Guard::default();
        for entry in DENIED.split(", ") {
            let (addr, reason) = entry.split_once(' ').unwrap_or((entry, ""));
            match guard.check(ip(addr)) {
                Err(r) => assert_eq!(r.reason.as_str(), reason, "{addr}"),
                Ok(()) => panic!("{addr} passed"),
            }
        }
        let refused = guard.check(ip("127.0.0.1")).err().map(|r| r.to_string());
        assert_eq!(
            refused.as_deref(),
            Some("127.0.0.1 is not a public address (loopback)")
        );
    }

    #[test]
    fn public_addresses_pass() {
        let guard = Guard::default();
        for addr in PUBLIC.split_whitespace() {
            assert_eq!(guard.check(ip(addr)), Ok(()), "{addr}");
        }
    }

    #[test]
    fn allowed_networks_override_the_defaults() {
        let guard = Guard::new(vec![
            cidr("10.20.0.0/16"),
            cidr("fd00::/8"),
            cidr("127.0.0.1"),
        ]);
        assert_eq!(guard.check(ip("10.20.3.4")), Ok(()));
        assert_eq!(guard.check(ip("::ffff:10.20.3.4")), Ok(()));
        assert_eq!(guard.check(ip("fd12::1")), Ok(()));
        assert_eq!(guard.check(ip("fd00:ec2::254")), Ok(()));
        assert_eq!(guard.check(ip("127.0.0.1")), Ok(()));
        assert!(guard.check(ip("127.0.0.2")).is_err());
        assert!(guard.check(ip("10.21.0.1")).is_err());
        assert!(guard.check(ip("fc00::1")).is_err());
        assert!(guard.check(ip("169.254.169.254")).is_err());
    }

    #[test]
    fn cidr_parsing() {
        let c = cidr("10.0.0.0/8");
        assert!(c.contains(ip("10.255.0.1")));
        assert!(!c.contains(ip("11.0.0.1")));
        assert!(!c.contains(ip("::ffff:10.0.0.1")));
        assert_eq!(c.to_string(), "10.0.0.0/8");
        assert_eq!(cidr("10.1.2.3/8").to_string(), "10.0.0.0/8");
        assert_eq!(cidr("192.168.1.9").to_string(), "192.168.1.9/32");
        assert_eq!(cidr("::1").to_string(), "::1/128");
        assert_eq!(cidr("::1/128").prefix(), 128);
        assert_eq!(cidr("fd00::/8").addr(), ip("fd00::"));
        assert!(cidr("0.0.0.0/0").contains(ip("8.8.8.8")));
        assert!(cidr("::/0").contains(ip("2001:db8::1")));
        assert!(!cidr("::/0").contains(ip("8.8.8.8")));
        assert!(cidr("fe80::/10").contains(ip("febf:ffff::1")));
        let bad = ",/,10.0.0.0/,10.0.0.0/33,::/129,10.0.0.0/8/8,10.0.0/8,10.0.0.0/+8,10.0.0.0/ 8, 10.0.0.0/8,\
            10.0.0.0/0008,localhost,fd00::/-1,[::1]/128";
        for bad in bad.split(',') {
            assert_eq!(
                bad.parse::<Cidr>(),
                Err(CidrError(bad.to_owned())),
                "{bad:?}"
            );
        }
        assert_eq!(
            "10.0.0.0/33"
                .parse::<Cidr>()
                .err()
                .map(|e| e.to_string())
                .as_deref(),
            Some("`10.0.0.0/33` is not a network in CIDR form (such as 10.0.0.0/8 or fd00::/8)")
        );
    }

    #[test]
    fn urls_with_ip_literals() {
        let guard = Guard::default();
        let check = |s: &str| match url::Url::parse(s) {
            Ok(u) => check_url(&guard, &u),
            Err(e) => panic!("{s}: {e}"),
        };
        assert!(check("http://127.0.0.1:8080/hook").is_err());
        assert!(check("http://[::1]/hook").is_err());
        assert!(check("http://[::ffff:169.254.169.254]/").is_err());
        assert!(check("http://0x7f.1/").is_err()); // the URL parser reads it as 127.0.0.1
        assert!(check("http://2130706433/").is_err());
        assert_eq!(check("https://8.8.8.8/hook"), Ok(()));
        assert_eq!(check("https://hooks.example.com/hook"), Ok(()));
        assert_eq!(check("https://localhost/hook"), Ok(())); // the resolver judges names
    }

    #[tokio::test]
    async fn the_resolver_refuses_localhost_unless_allowed() {
        use reqwest::dns::Resolve;
        let name = |s: &str| match s.parse::<reqwest::dns::Name>() {
            Ok(n) => n,
            Err(e) => panic!("{s}: {e}"),
        };
        let refusing = GuardedResolver::new(Arc::new(Guard::default()));
        let err = match refusing.resolve(name("localhost")).await {
            Ok(addrs) => panic!("resolved to {:?}", addrs.collect::<Vec<_>>()),
            Err(e) => e.to_string(),
        };
        assert!(err.starts_with("refused: `localhost`"), "{err}");
        assert!(err.contains("loopback"), "{err}");

        let allowing = GuardedResolver::new(Arc::new(Guard::new(vec![cidr("127.0.0.0/8")])));
        let addrs: Vec<SocketAddr> = match allowing.resolve(name("localhost")).await {
            Ok(addrs) => addrs.collect(),
            Err(e) => panic!("{e}"),
        };
        assert!(!addrs.is_empty());
        assert!(
            addrs
                .iter()
                .all(|a| a.ip().is_loopback() && a.ip().is_ipv4()),
            "{addrs:?}"
        );
    }

    #[tokio::test]
    async fn the_client_does_not_connect_to_a_refused_name() {
        let guard = Arc::new(Guard::default());
        let client = match client(guard, Duration::from_secs(2), Duration::from_secs(5)) {
            Ok(c) => c,
            Err(e) => panic!("{e}"),
        };
        let err = match client.get("http://localhost:9/hook").send().await {
            Ok(r) => panic!("connected: {}", r.status()),
            Err(e) => e,
        };
        let mut chain = Vec::new();
        let mut source: Option<&dyn std::error::Error> = Some(&err);
        while let Some(e) = source {
            chain.push(e.to_string());
            source = e.source();
        }
        assert!(
            chain.iter().any(|m| m.starts_with("refused: `localhost`")),
            "{chain:?}"
        );
    }
}
