use clap::Parser;
use inbox_embed::server::cli::{Cli, Command, ProjectCommand};
use inbox_embed::server::config::Config;
use inbox_embed::server::{agent_jwt, demo, http, live, webhooks};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "inbox_embed=info,tower_http=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    if let Err(message) = run(Cli::parse()).await {
        eprintln!("error: {message}");
        std::process::exit(1);
    }
}

async fn run(cli: Cli) -> Result<(), String> {
    let config = Config::from_env()?;
    let state = http::state(&config).await.map_err(|e| describe(&e))?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let addr = config.leptos.site_addr;
            webhooks::spawn(state.store.clone(), config.webhooks.clone());
            live::spawn(&state);
            http::serve(state, addr)
                .await
                .map_err(|e| format!("cannot serve on {addr}: {e}"))
        }
        Command::Project {
            command: ProjectCommand::Create { name },
        } => {
            let name = name.trim();
            if name.is_empty() || name.chars().count() > 200 {
                return Err("--name must be 1 to 200 characters".into());
            }
            let created = state
                .store
                .create_project(name, false)
                .await
                .map_err(|e| describe(&e))?;
            let out = serde_json::json!({
                "id": created.project.id,
                "api_key": created.api_key.expose(),
                "jwt_secret": created.jwt_secret.expose(),
            });
            println!("{out}");
            Ok(())
        }
        Command::Jwt {
            project,
            agent_id,
            name,
            email,
            scope,
            ttl,
            issuer,
            language,
            url,
        } => {
            let jwt = agent_jwt::mint(
                &state.store,
                state.jwt_max_lifetime,
                project,
                agent_jwt::MintRequest {
                    agent_id,
                    name,
                    email,
                    scope,
                    ttl,
                    issuer,
                    language,
                },
            )
            .await?;
            if url {
                println!("{}", state.embed_url(&jwt));
            } else {
                println!("{jwt}");
            }
            Ok(())
        }
        Command::Demo {
            conversations,
            if_empty,
            json,
        } => {
            let out = demo::run(&state, conversations, if_empty)
                .await
                .map_err(|e| describe(&e))?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string(&out).expect("plain data serialises")
                );
            } else {
                match &out.api_key {
                    Some(_) => println!(
                        "Seeded the demo project with {} conversations.",
                        out.conversations
                    ),
                    None => println!("The demo project exists; here are fresh URLs for it."),
                }
                println!("  Embed URL: {}", out.embed_url);
                println!("  Agent URL: {}", out.agent_url);
                println!(
                    "             (signed in as {} by a JWT, for 12 hours)",
                    demo::DEMO_AGENT.1
                );
                if let Some(key) = &out.api_key {
                    println!("  API key:   {key}  (shown once)");
                }
            }
            Ok(())
        }
    }
}

fn describe(e: &inbox_embed::server::AppError) -> String {
    match e {
        inbox_embed::server::AppError::Internal(cause) => cause.clone(),
        other => other.to_string(),
    }
}
