//! The `trellis` command: serve the platform, migrate the database, import a
//! plugin catalogue, manage users, and (for publishers) log in, package, publish, yank, inspect and search,
//! and (for plugin developers) start a plugin project, build it and run it on a Trellis while editing it.

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use trellis_platform::config::Role;
use trellis_platform::{accounts, config, tokens, Actor};
use trellis_server::publisher::PublisherCommand;
use trellis_types::{Scope, TokenIn};

#[derive(Parser)]
#[command(
    name = "trellis",
    version,
    about = "Trellis: the open extension platform"
)]
struct Cli {
    /// A TOML config file layered over the built-in defaults (also TRELLIS_CONFIG).
    #[arg(long, global = true, env = "TRELLIS_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (the default).
    Serve {
        /// What this process runs: all (default), api (HTTP only) or worker
        /// (background workers, with health and metrics); overrides `server.role`.
        #[arg(long)]
        role: Option<String>,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Print the effective configuration (secrets hidden) and exit.
    Config,
    /// Import a plugin catalogue (JSON Lines) as plugins of a namespace; running it
    /// again with the same file changes nothing.
    Import {
        /// The catalogue: one JSON object per line (id, name, summary, author,
        /// categories, tags, repository, versions, source).
        file: PathBuf,
        /// The namespace the plugins go to; created (owned by nobody unless
        /// --owner is given) when missing.
        #[arg(long)]
        namespace: String,
        /// Mark the plugins as demo content.
        #[arg(long)]
        demo: bool,
        /// An existing user who becomes the owner of the namespace if the import
        /// creates it.
        #[arg(long)]
        owner: Option<String>,
    },
    /// Instance administration.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    #[command(flatten)]
    Publisher(PublisherCommand),
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create a user; with --admin, an administrator.
    CreateUser {
        username: String,
        /// Make the user an administrator.
        #[arg(long)]
        admin: bool,
        /// Read the password from standard input instead of prompting.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Mint an API token for a user and print its secret (shown only this once).
    CreateToken {
        username: String,
        /// Comma-separated scopes: read, publish, webhooks, admin.
        #[arg(long, value_delimiter = ',', default_value = "read")]
        scopes: Vec<String>,
        /// The token's name.
        #[arg(long, default_value = "cli")]
        name: String,
        /// Days until it expires (1-366); never by default.
        #[arg(long)]
        expires_in_days: Option<u32>,
    },
}

fn fail(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {msg}");
    ExitCode::from(2)
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(Command::Publisher(cmd)) = cli.command {
        return match trellis_server::publisher::run(cmd).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => fail(e),
        };
    }
    let env: Vec<(String, String)> = std::env::vars().collect();
    let mut cfg = match config::load(cli.config.as_deref(), &env) {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    if let Some(Command::Serve { role: Some(r) }) = &cli.command {
        match Role::parse(r) {
            Some(role) => cfg.role = role,
            None => return fail(format!("--role: expected all, api or worker, got `{r}`")),
        }
    }
    if let Some(Command::Config) = cli.command {
        print!("{}", cfg.describe());
        return ExitCode::SUCCESS;
    }
    trellis_server::startup::init_tracing(&cfg);
    if matches!(cli.command, None | Some(Command::Serve { .. })) {
        return match trellis_server::startup::serve(cfg).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => fail(e),
        };
    }
    let state = match trellis_server::startup::app_state(cfg).await {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    match cli.command.unwrap_or(Command::Serve { role: None }) {
        Command::Serve { .. } => unreachable!("served above"),
        Command::Migrate => {
            println!("database is up to date");
            ExitCode::SUCCESS
        }
        Command::Config | Command::Publisher(_) => unreachable!("handled above"),
        Command::Import {
            file,
            namespace,
            demo,
            owner,
        } => {
            let opts = trellis_platform::registry::import::ImportOptions {
                namespace,
                demo,
                owner,
            };
            match trellis_server::import::run(&state, &file, &opts).await {
                Ok(report) => {
                    print!("{report}");
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e),
            }
        }
        Command::Admin {
            command:
                AdminCommand::CreateUser {
                    username,
                    admin,
                    password_stdin,
                },
        } => {
            let password = if password_stdin {
                let mut s = String::new();
                if let Err(e) = std::io::stdin().read_to_string(&mut s) {
                    return fail(format!("cannot read password from stdin: {e}"));
                }
                s.trim_end_matches(['\n', '\r']).to_owned()
            } else {
                match rpassword::prompt_password("Password: ") {
                    Ok(p) => p,
                    Err(e) => return fail(format!("cannot read password: {e}")),
                }
            };
            match accounts::create_user_cli(&state, &username, &password, admin).await {
                Ok(u) => {
                    println!(
                        "created {} `{}`",
                        if u.is_admin { "admin" } else { "user" },
                        u.username
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e.detail),
            }
        }
        Command::Admin {
            command:
                AdminCommand::CreateToken {
                    username,
                    scopes,
                    name,
                    expires_in_days,
                },
        } => {
            let mut wanted = Vec::new();
            for s in &scopes {
                match Scope::parse(s.trim()) {
                    Some(scope) => wanted.push(scope),
                    None => {
                        return fail(format!(
                            "--scopes: `{s}` is not one of read, publish, webhooks, admin"
                        ))
                    }
                }
            }
            let user = match accounts::user_named(&state, &username).await {
                Ok(u) => u,
                Err(e) => return fail(e.detail),
            };
            // As the user themselves (a session holds every scope they have).
            let actor = Actor::session(user, None);
            let input = TokenIn {
                name,
                scopes: wanted,
                expires_in_days,
            };
            match tokens::create_token(&state, &actor, &input).await {
                Ok(created) => {
                    println!("{}", created.secret);
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e.detail),
            }
        }
    }
}
