//! Demo data: a project with customers, inboxes, agents and realistic support
//! conversations of every message kind, and a big variant for benchmarks.

use chrono::{DateTime, Duration, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use uuid::Uuid;

use crate::model::{
    ChannelType, ConversationStatus, Direction, Handoff, Interactive, ListRow, ListSection,
    Location, Media, MessageKind, MessageStatus, ReplyButton, ScopeType, Sender, SenderType,
    TemplateRef, Theme,
};
use crate::server::store::{
    now, ImportedConversation, Inbox, NewContact, NewCustomer, NewEmbedToken, NewInbox, NewMessage,
    NewUser, Store, TokenScope,
};
use crate::server::{AppError, AppState};

/// What `inbox-embed demo` prints.
#[derive(Debug, Serialize)]
pub struct DemoOutput {
    pub project_id: Uuid,
    /// Only when the project was made now: stored hashed, it cannot be shown again.
    pub api_key: Option<String>,
    pub token: String,
    pub embed_url: String,
    /// The embed signed in as a demo agent by a JWT (tabs mine, new, watched).
    pub agent_url: String,
    pub conversations: usize,
}

/// The agent the demo's JWT signs in: external id, name, email.
pub const DEMO_AGENT: (&str, &str, &str) = ("marta", "Marta Ruiz", "marta@example.com");
/// How long the demo's agent JWT lasts (or the server's maximum, if shorter).
const DEMO_JWT_SECS: u64 = 12 * 3600;

async fn demo_agent_url(state: &AppState, project_id: Uuid) -> Result<String, AppError> {
    let request = crate::server::agent_jwt::MintRequest {
        agent_id: DEMO_AGENT.0.into(),
        name: DEMO_AGENT.1.into(),
        email: Some(DEMO_AGENT.2.into()),
        scope: "project".into(),
        ttl: DEMO_JWT_SECS.min(state.jwt_max_lifetime.as_secs()),
        issuer: "inbox-embed-demo".into(),
        language: None,
    };
    let jwt =
        crate::server::agent_jwt::mint(&state.store, state.jwt_max_lifetime, project_id, request)
            .await
            .map_err(AppError::Internal)?;
    Ok(state.embed_url(&jwt))
}

/// The curated demo's size.
const CURATED: usize = 36;
const BATCH: usize = 500;

/// Seeds a demo project (`conversations` of them, or the curated set) and mints an embed
/// token for it. With `if_empty`, a database that already has a demo project gets only a
/// fresh token.
pub async fn run(
    state: &AppState,
    conversations: Option<usize>,
    if_empty: bool,
) -> Result<DemoOutput, AppError> {
    let (store, public_url) = (&state.store, state.public_url.as_str());
    if if_empty {
        if let Some(project) = store.demo_project().await? {
            let token = mint_token(store, project.id).await?;
            return Ok(DemoOutput {
                agent_url: demo_agent_url(state, project.id).await?,
                project_id: project.id,
                api_key: None,
                embed_url: format!("{public_url}/embed/{token}"),
                token,
                conversations: 0,
            });
        }
    }
    let created = store.create_project("Demo", true).await?;
    let project_id = created.project.id;
    let world = World::create(store, project_id, public_url).await?;
    let count = conversations.unwrap_or(CURATED);
    let mut rng = StdRng::seed_from_u64(0x1b0c_5eed);
    let start = now();
    let mut seeded = 0;
    while seeded < count {
        let batch: Vec<_> = (seeded..count.min(seeded + BATCH))
            .map(|i| world.conversation(i, conversations.is_none(), start, &mut rng))
            .collect();
        seeded += batch.len();
        store.import_conversations(project_id, batch).await?;
        if count > BATCH {
            eprintln!("seeded {seeded}/{count} conversations");
        }
    }
    let token = mint_token(store, project_id).await?;
    Ok(DemoOutput {
        agent_url: demo_agent_url(state, project_id).await?,
        project_id,
        api_key: Some(created.api_key.expose().to_string()),
        embed_url: format!("{public_url}/embed/{token}"),
        token,
        conversations: count,
    })
}

async fn mint_token(store: &Store, project_id: Uuid) -> Result<String, AppError> {
    let new = NewEmbedToken {
        name: "Demo".into(),
        scope: TokenScope {
            scope_type: ScopeType::Project,
            id: None,
        },
        assigned_user_id: None,
        allowed_origins: vec![],
        theme: Theme::System,
        language: "en".into(),
        expires_at: None,
    };
    let (_, secret) = store.create_embed_token(project_id, new).await?;
    Ok(secret.expose().to_string())
}

struct World {
    inboxes: Vec<Inbox>,
    agents: Vec<(Uuid, String)>,
    public_url: String,
}

impl World {
    async fn create(store: &Store, project_id: Uuid, public_url: &str) -> Result<Self, AppError> {
        let mut customer_ids = Vec::new();
        for (name, external_id) in [
            ("Acme Dental", "acme"),
            ("Blue Bikes", "bluebikes"),
            ("Casa Verde Café", "casaverde"),
        ] {
            let c = store
                .create_customer(
                    project_id,
                    NewCustomer {
                        name: name.into(),
                        external_id: Some(external_id.into()),
                    },
                )
                .await?;
            customer_ids.push(c.id);
        }
        let inbox_specs = [
            (
                "Acme Dental · WhatsApp",
                ChannelType::Whatsapp,
                Some("+34 911 234 567"),
                Some(0),
            ),
            (
                "Blue Bikes · WhatsApp",
                ChannelType::Whatsapp,
                Some("+44 20 7946 0958"),
                Some(1),
            ),
            (
                "Blue Bikes · SMS",
                ChannelType::Sms,
                Some("+44 20 7946 0000"),
                Some(1),
            ),
            (
                "Casa Verde · WhatsApp",
                ChannelType::Whatsapp,
                Some("+52 55 1234 5678"),
                Some(2),
            ),
            ("Website chat", ChannelType::Api, None, None),
        ];
        let mut inboxes = Vec::new();
        for (name, channel_type, phone, customer) in inbox_specs {
            let new = NewInbox {
                name: name.into(),
                channel_type,
                phone_number: phone.map(Into::into),
                customer_id: customer.map(|i: usize| customer_ids[i]),
                webhook_url: None,
            };
            inboxes.push(store.create_inbox(project_id, new).await?);
        }
        let mut agents = Vec::new();
        for (external_id, name, email) in [
            DEMO_AGENT,
            ("liam", "Liam O'Connor", "liam@example.com"),
            ("sofia", "Sofía Herrera", "sofia@example.com"),
        ] {
            let u = store
                .create_user(
                    project_id,
                    NewUser {
                        name: name.into(),
                        email: email.into(),
                        external_id: Some(external_id.into()),
                    },
                )
                .await?;
            agents.push((u.id, name.to_string()));
        }
        Ok(Self {
            inboxes,
            agents,
            public_url: public_url.to_string(),
        })
    }

    /// The `i`th demo conversation. Curated ones are spread over the last weeks with a
    /// few open right now; bulk ones over six months.
    fn conversation(
        &self,
        i: usize,
        curated: bool,
        start: DateTime<Utc>,
        rng: &mut StdRng,
    ) -> ImportedConversation {
        let name = if curated && i < CURATED_NAMES.len() {
            CURATED_NAMES[i].to_string()
        } else {
            format!(
                "{} {}",
                FIRST_NAMES[rng.gen_range(0..FIRST_NAMES.len())],
                LAST_NAMES[rng.gen_range(0..LAST_NAMES.len())]
            )
        };
        let inbox = &self.inboxes[if curated {
            i % self.inboxes.len()
        } else {
            rng.gen_range(0..self.inboxes.len())
        }];
        let scenario = &SCENARIOS[if curated {
            i % SCENARIOS.len()
        } else {
            rng.gen_range(0..SCENARIOS.len())
        }];
        // Most recent first: curated conversation 0 is minutes old.
        let age = if curated {
            Duration::minutes((i as i64).pow(2) * 25 + 3)
        } else {
            Duration::minutes(rng.gen_range(2..(180 * 24 * 60)))
        };
        let agent = &self.agents[if curated {
            // Every third curated conversation is taken over; these go round the agents.
            (i / 3) % self.agents.len()
        } else {
            rng.gen_range(0..self.agents.len())
        }];
        let recent = age < Duration::days(2);
        let status = if recent || (!curated && rng.gen_bool(0.35)) || (curated && i % 4 != 3) {
            ConversationStatus::Active
        } else {
            ConversationStatus::Ended
        };
        let handoff = match (scenario.wants_human, status, i % 3) {
            (true, ConversationStatus::Active, 0 | 1) => Handoff::Waiting,
            (_, ConversationStatus::Active, 2) => Handoff::Human,
            _ => Handoff::Bot,
        };
        let assigned_user_id =
            (handoff == Handoff::Human || (!curated && rng.gen_bool(0.3))).then_some(agent.0);
        let phone = format!(
            "+{} {} {:03} {:03}",
            [34, 44, 52, 1, 49][i % 5],
            600 + i % 300,
            (i * 37) % 1000,
            (i * 91) % 1000
        );
        // Earlier visits come first, a week or so apart; one curated contact has a long history.
        let visits = match (curated, i) {
            (true, 1) => 12,
            (true, _) if i % 5 == 2 => 3,
            (true, _) => 1,
            (false, _) => rng.gen_range(1..=3),
        };
        let history: Vec<&Scenario> = (1..visits)
            .map(|v| &SCENARIOS[(i + v * 3) % SCENARIOS.len()])
            .chain(std::iter::once(scenario))
            .collect();
        let mut messages = Vec::new();
        for (visit, past) in history.iter().enumerate() {
            let weeks_before = (history.len() - 1 - visit) as i64;
            let first_at = start
                - age
                - Duration::days(weeks_before * 8)
                - Duration::minutes(past.steps.len() as i64 * 3);
            for (n, step) in past.steps.iter().enumerate() {
                let at = first_at
                    + Duration::minutes(n as i64 * 3)
                    + Duration::seconds(rng.gen_range(0..90));
                let last = weeks_before == 0 && n + 1 == past.steps.len();
                messages.push(self.message(step, &name, agent, at, last));
            }
        }
        let trailing_incoming = messages
            .iter()
            .rev()
            .take_while(|m| m.direction == Direction::Incoming)
            .count() as i64;
        let unread_count = if status == ConversationStatus::Active && (recent || i % 2 == 0) {
            trailing_incoming
        } else {
            0
        };
        ImportedConversation {
            inbox_id: inbox.id,
            contact: NewContact {
                display_name: name,
                phone_number: (inbox.channel_type != ChannelType::Api).then_some(phone),
                email: None,
                identifier: None,
            },
            status,
            handoff,
            assigned_user_id,
            unread_count,
            messages,
        }
    }

    fn message(
        &self,
        step: &Step,
        contact: &str,
        agent: &(Uuid, String),
        at: DateTime<Utc>,
        last: bool,
    ) -> NewMessage {
        let (direction, sender) = match step.who {
            Who::Contact => (
                Direction::Incoming,
                Sender {
                    sender_type: SenderType::Contact,
                    name: contact.into(),
                    external_id: None,
                },
            ),
            Who::Bot => (
                Direction::Outgoing,
                Sender {
                    sender_type: SenderType::Bot,
                    name: "Assistant".into(),
                    external_id: None,
                },
            ),
            Who::Agent => (
                Direction::Outgoing,
                Sender {
                    sender_type: SenderType::Agent,
                    name: agent.1.clone(),
                    external_id: None,
                },
            ),
        };
        let first_name = contact.split_whitespace().next().unwrap_or(contact);
        let mut m = NewMessage {
            direction,
            kind: MessageKind::Text,
            content: String::new(),
            media: None,
            interactive: None,
            location: None,
            template: None,
            sender,
            status: match (direction, last) {
                (Direction::Incoming, _) => MessageStatus::Delivered,
                (Direction::Outgoing, true) => MessageStatus::Delivered,
                (Direction::Outgoing, false) => MessageStatus::Read,
            },
            client_id: None,
            created_at: Some(at),
            notify: false,
        };
        let asset = |file: &str| format!("{}/demo/{file}", self.public_url);
        match step.content {
            Content::Text(text) => m.content = text.into(),
            Content::Image(file, caption, size) => {
                m.kind = MessageKind::Image;
                m.content = caption.into();
                m.media = Some(Media {
                    id: None,
                    url: asset(file),
                    mime_type: "image/png".into(),
                    filename: Some(file.into()),
                    size: Some(size),
                });
            }
            Content::Audio(file, size) => {
                m.kind = MessageKind::Audio;
                m.media = Some(Media {
                    id: None,
                    url: asset(file),
                    mime_type: "audio/wav".into(),
                    filename: Some(file.into()),
                    size: Some(size),
                });
            }
            Content::Video(file, caption) => {
                m.kind = MessageKind::Video;
                m.content = caption.into();
                m.media = Some(Media {
                    id: None,
                    url: asset(file),
                    mime_type: "video/mp4".into(),
                    filename: Some(file.into()),
                    size: Some(2_400_000),
                });
            }
            Content::Document(file, caption, size) => {
                m.kind = MessageKind::Document;
                m.content = caption.into();
                m.media = Some(Media {
                    id: None,
                    url: asset(file),
                    mime_type: "application/pdf".into(),
                    filename: Some(file.into()),
                    size: Some(size),
                });
            }
            Content::Location(name, address, latitude, longitude) => {
                m.kind = MessageKind::Location;
                m.location = Some(Location {
                    latitude,
                    longitude,
                    name: Some(name.into()),
                    address: Some(address.into()),
                });
            }
            Content::Buttons(body, titles) => {
                m.kind = MessageKind::Interactive;
                m.content = body.into();
                m.interactive = Some(Interactive::Button {
                    header: None,
                    footer: None,
                    buttons: titles
                        .iter()
                        .enumerate()
                        .map(|(i, t)| ReplyButton {
                            id: format!("b{i}"),
                            title: (*t).into(),
                        })
                        .collect(),
                });
            }
            Content::Reply(title) => {
                m.kind = MessageKind::Interactive;
                m.interactive = Some(Interactive::ButtonReply {
                    id: "b0".into(),
                    title: title.into(),
                });
            }
            Content::List(body, button, rows) => {
                m.kind = MessageKind::Interactive;
                m.content = body.into();
                m.interactive = Some(Interactive::List {
                    header: None,
                    footer: None,
                    button: button.into(),
                    sections: vec![ListSection {
                        title: None,
                        rows: rows
                            .iter()
                            .enumerate()
                            .map(|(i, (t, d))| ListRow {
                                id: format!("r{i}"),
                                title: (*t).into(),
                                description: Some((*d).into()),
                            })
                            .collect(),
                    }],
                });
            }
            Content::Template(name, text) => {
                m.kind = MessageKind::Template;
                m.content = text.into();
                m.template = Some(TemplateRef {
                    name: name.into(),
                    language: Some("en".into()),
                    parameters: vec![first_name.into()],
                });
            }
        }
        let agent_first = agent.1.split_whitespace().next().unwrap_or(&agent.1);
        m.content = m
            .content
            .replace("{name}", first_name)
            .replace("{agent}", agent_first);
        m
    }
}

enum Who {
    Contact,
    Bot,
    Agent,
}

enum Content {
    Text(&'static str),
    Image(&'static str, &'static str, i64),
    Audio(&'static str, i64),
    Video(&'static str, &'static str),
    Document(&'static str, &'static str, i64),
    Location(&'static str, &'static str, f64, f64),
    Buttons(&'static str, &'static [&'static str]),
    Reply(&'static str),
    List(
        &'static str,
        &'static str,
        &'static [(&'static str, &'static str)],
    ),
    Template(&'static str, &'static str),
}

struct Step {
    who: Who,
    content: Content,
}

struct Scenario {
    wants_human: bool,
    steps: &'static [Step],
}

const fn s(who: Who, content: Content) -> Step {
    Step { who, content }
}

use Content::*;
use Who::*;

static SCENARIOS: &[Scenario] = &[
    Scenario {
        wants_human: true,
        steps: &[
            s(Contact, Text("Hi! I'd like to book a cleaning for next week 🦷")),
            s(Bot, Buttons("Hi {name}! Which day suits you best?", &["Monday", "Wednesday", "Friday"])),
            s(Contact, Reply("Wednesday")),
            s(Bot, List("These times are free on Wednesday:", "See times", &[("09:30", "Dr. Álvarez"), ("12:00", "Dr. Álvarez"), ("16:15", "Dr. Chen")])),
            s(Contact, Text("None of those work, I finish at 18:00. Can someone call me?")),
            s(Bot, Text("I'll pass you to the team. Someone will write here shortly.")),
            s(Contact, Text("Thanks, *after 18:00* is best please")),
        ],
    },
    Scenario {
        wants_human: false,
        steps: &[
            s(Contact, Text("Where is my order #4471? It said delivered but I can't find it")),
            s(Bot, Text("Let me check… Order #4471 was delivered today at 11:42.")),
            s(Bot, Image("parcel.png", "Delivery photo from the courier", 1502)),
            s(Contact, Text("Oh! It's behind the plant pot 😅 found it")),
            s(Bot, Text("Great! Anything else I can help with?")),
            s(Contact, Text("No that's all, thank you")),
        ],
    },
    Scenario {
        wants_human: true,
        steps: &[
            s(Contact, Text("My bike's rear brake squeaks really loudly since the service")),
            s(Contact, Audio("voice-note.wav", 32044)),
            s(Bot, Text("Sorry to hear that, {name}. Could you share the invoice number?")),
            s(Contact, Document("invoice.pdf", "Here's the invoice", 679)),
            s(Agent, Text("Hi {name}, {agent} from the workshop here. Bring it in any time this week and we'll adjust the pads _free of charge_.")),
            s(Contact, Text("Perfect, I can come Thursday morning")),
        ],
    },
    Scenario {
        wants_human: false,
        steps: &[
            s(Contact, Text("Are you open on Sunday? And where exactly are you?")),
            s(Bot, Text("We're open Sunday 9:00–15:00. Here's our location:")),
            s(Bot, Location("Casa Verde Café", "Calle de Colima 142, Roma Nte., CDMX", 19.4176, -99.1617)),
            s(Contact, Text("Do you have vegan options?")),
            s(Bot, Text("Yes! Our menu is at https://example.com/menu — look for the 🌱 mark.")),
        ],
    },
    Scenario {
        wants_human: true,
        steps: &[
            s(Bot, Template("appointment_reminder", "Hi {name}, this is a reminder of your appointment tomorrow at 10:00. Reply YES to confirm or NO to reschedule.")),
            s(Contact, Text("NO")),
            s(Bot, Buttons("No problem. Would you like to pick a new time?", &["Yes, reschedule", "Cancel it"])),
            s(Contact, Reply("Yes, reschedule")),
            s(Contact, Text("Actually I have a question about the bill from last time too")),
        ],
    },
    Scenario {
        wants_human: false,
        steps: &[
            s(Contact, Text("Hello, I want to change the delivery address for my order")),
            s(Bot, Text("Sure. Please send the new address, or share your location.")),
            s(Contact, Location("Home", "14 Baker Street, London NW1", 51.5237, -0.1585)),
            s(Bot, Text("Thanks! Updated: the courier will deliver to *14 Baker Street* tomorrow between 8:00 and 12:00.")),
        ],
    },
    Scenario {
        wants_human: true,
        steps: &[
            s(Contact, Text("I was charged twice for the same order!!")),
            s(Contact, Image("sunset.png", "", 21425)),
            s(Contact, Text("sorry wrong photo 🙈 anyway, two charges of 42.90 on my card")),
            s(Bot, Text("I'm sorry about that. I've flagged it for our billing team.")),
            s(Agent, Text("Hi {name}, {agent} here. I can see the duplicate charge. I've refunded 42.90 — it takes 3–5 working days to show.")),
            s(Contact, Text("ok thanks for the quick help")),
        ],
    },
    Scenario {
        wants_human: false,
        steps: &[
            s(Contact, Text("Do you have the Trek FX 2 in size M in stock?")),
            s(Bot, Text("We have 2 in size M in the London shop. Here's a quick look:")),
            s(Bot, Video("fx2.mp4", "Trek FX 2 — walkaround")),
            s(Contact, Text("Can I reserve one until Saturday?")),
            s(Bot, Buttons("Reserve the Trek FX 2 (M) until Saturday?", &["Reserve", "Not now"])),
            s(Contact, Reply("Reserve")),
            s(Bot, Text("Done ✅ Reservation code *FX2-8841*. See you Saturday!")),
        ],
    },
];

static CURATED_NAMES: &[&str] = &[
    "Ana Martínez",
    "James Whitfield",
    "Priya Raman",
    "Lucas Moreau",
    "Chen Wei",
    "Fatima Al-Sayed",
    "Olivia Brown",
    "Mateo García",
    "Yuki Tanaka",
    "Grace Okafor",
    "Noah Fischer",
    "Isabella Rossi",
    "Ahmed Hassan",
    "Emma Johansson",
    "Diego Fernández",
    "Zoe Papadopoulos",
    "Tomás Silva",
    "Hannah Cohen",
    "Kwame Mensah",
    "Lena Novak",
    "Ravi Patel",
    "Camila Torres",
    "Oscar Lindqvist",
    "Aisha Bello",
    "Sam Taylor",
    "Valentina Costa",
    "Jonas Berg",
    "Mei Lin",
    "Pablo Navarro",
    "Nadia Petrova",
    "Ethan Clarke",
    "Lucía Romero",
    "Omar Farouk",
    "Freya Wilson",
    "Hugo Laurent",
    "Sara Eriksson",
];

static FIRST_NAMES: &[&str] = &[
    "Ana",
    "James",
    "Priya",
    "Lucas",
    "Wei",
    "Fatima",
    "Olivia",
    "Mateo",
    "Yuki",
    "Grace",
    "Noah",
    "Isabella",
    "Ahmed",
    "Emma",
    "Diego",
    "Zoe",
    "Tomás",
    "Hannah",
    "Kwame",
    "Lena",
    "Ravi",
    "Camila",
    "Oscar",
    "Aisha",
    "Sam",
    "Valentina",
    "Jonas",
    "Mei",
    "Pablo",
    "Nadia",
    "Ethan",
    "Lucía",
    "Omar",
    "Freya",
    "Hugo",
    "Sara",
];

static LAST_NAMES: &[&str] = &[
    "Martínez",
    "Whitfield",
    "Raman",
    "Moreau",
    "Chen",
    "Al-Sayed",
    "Brown",
    "García",
    "Tanaka",
    "Okafor",
    "Fischer",
    "Rossi",
    "Hassan",
    "Johansson",
    "Fernández",
    "Papadopoulos",
    "Silva",
    "Cohen",
    "Mensah",
    "Novak",
    "Patel",
    "Torres",
    "Lindqvist",
    "Bello",
    "Taylor",
    "Costa",
    "Berg",
    "Lin",
    "Navarro",
    "Petrova",
];
