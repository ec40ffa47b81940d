//! Customers, inboxes, users and contacts.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};

use super::*;
use crate::server::store::{
    Contact, ContactPatch, Customer, CustomerPatch, Inbox, InboxPatch, NewContact, NewCustomer,
    NewInbox, NewUser, Page, User, UserPatch,
};

const NAME_MAX: usize = 200;
const EXTERNAL_ID_MAX: usize = 255;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/customers", get(list_customers).post(create_customer))
        .route("/customers/{id}", get(get_customer).patch(update_customer))
        .route("/inboxes", get(list_inboxes).post(create_inbox))
        .route(
            "/inboxes/{id}",
            get(get_inbox).patch(update_inbox).delete(delete_inbox),
        )
        .route("/users", get(list_users).post(create_user))
        .route("/users/{id}", get(get_user).patch(update_user))
        .route("/contacts", get(list_contacts).post(create_contact))
        .route("/contacts/{id}", get(get_contact).patch(update_contact))
}

fn external_id(value: Option<&str>) -> ApiResult<Option<String>> {
    optional_text("external_id", value, EXTERNAL_ID_MAX)
}

// Customers

async fn create_customer(
    State(s): Api,
    ApiProject(p): ApiProject,
    ApiJson(new): ApiJson<NewCustomer>,
) -> ApiResult<(StatusCode, Json<Customer>)> {
    let new = NewCustomer {
        name: required_text("name", &new.name, NAME_MAX)?,
        external_id: external_id(new.external_id.as_deref())?,
    };
    Ok(created(s.store.create_customer(p.id, new).await?))
}

async fn list_customers(
    State(s): Api,
    ApiProject(p): ApiProject,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<Page<Customer>>> {
    let (cursor, limit) = q.page()?;
    Ok(Json(s.store.customers(p.id, cursor, limit).await?))
}

async fn get_customer(
    State(s): Api,
    ApiProject(p): ApiProject,
    Path(id): Path<String>,
) -> ApiResult<Json<Customer>> {
    Ok(Json(
        s.store.customer(p.id, path_id(&id, "customer")?).await?,
    ))
}

async fn update_customer(
    State(s): Api,
    ApiProject(p): ApiProject,
    Path(id): Path<String>,
    ApiJson(patch): ApiJson<CustomerPatch>,
) -> ApiResult<Json<Customer>> {
    let id = path_id(&id, "customer")?;
    let patch = CustomerPatch {
        name: patch
            .name
            .map(|n| required_text("name", &n, NAME_MAX))
            .transpose()?,
        external_id: patch_text(patch.external_id, external_id)?,
    };
    Ok(Json(s.store.update_customer(p.id, id, patch).await?))
}

// Inboxes

async fn create_inbox(
    State(s): Api,
    ApiProject(p): ApiProject,
    ApiJson(new): ApiJson<NewInbox>,
) -> ApiResult<(StatusCode, Json<Inbox>)> {
    let new = NewInbox {
        name: required_text("name", &new.name, NAME_MAX)?,
        channel_type: new.channel_type,
        phone_number: phone("phone_number", new.phone_number.as_deref())?,
        customer_id: new.customer_id,
        webhook_url: http_url("webhook_url", new.webhook_url.as_deref())?,
    };
    Ok(created(s.store.create_inbox(p.id, new).await?))
}

async fn list_inboxes(
    State(s): Api,
    ApiProject(p): ApiProject,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<Page<Inbox>>> {
    let (cursor, limit) = q.page()?;
    Ok(Json(s.store.inboxes(p.id, cursor, limit).await?))
}

async fn get_inbox(
    State(s): Api,
    ApiProject(p): ApiProject,
    Path(id): Path<String>,
) -> ApiResult<Json<Inbox>> {
    Ok(Json(s.store.inbox(p.id, path_id(&id, "inbox")?).await?))
}

async fn update_inbox(
    State(s): Api,
    ApiProject(p): ApiProject,
    Path(id): Path<String>,
    ApiJson(patch): ApiJson<InboxPatch>,
) -> ApiResult<Json<Inbox>> {
    let id = path_id(&id, "inbox")?;
    let patch = InboxPatch {
        name: patch
            .name
            .map(|n| required_text("name", &n, NAME_MAX))
            .transpose()?,
        phone_number: patch_text(patch.phone_number, |v| phone("phone_number", v))?,
        customer_id: patch.customer_id,
        webhook_url: patch_text(patch.webhook_url, |v| http_url("webhook_url", v))?,
    };
    Ok(Json(s.store.update_inbox(p.id, id, patch).await?))
}

async fn delete_inbox(
    State(s): Api,
    ApiProject(p): ApiProject,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let files = s.store.delete_inbox(p.id, path_id(&id, "inbox")?).await?;
    for file in files {
        s.media.remove(file).await;
    }
    Ok(StatusCode::NO_CONTENT)
}

// Users

async fn create_user(
    State(s): Api,
    ApiProject(p): ApiProject,
    ApiJson(new): ApiJson<NewUser>,
) -> ApiResult<(StatusCode, Json<User>)> {
    let new = NewUser {
        name: required_text("name", &new.name, NAME_MAX)?,
        email: email("email", Some(&new.email))?
            .ok_or_else(|| AppError::invalid("email must not be empty"))?,
        external_id: external_id(new.external_id.as_deref())?,
    };
    Ok(created(s.store.create_user(p.id, new).await?))
}

async fn list_users(
    State(s): Api,
    ApiProject(p): ApiProject,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<Page<User>>> {
    let (cursor, limit) = q.page()?;
    Ok(Json(s.store.users(p.id, cursor, limit).await?))
}

async fn get_user(
    State(s): Api,
    ApiProject(p): ApiProject,
    Path(id): Path<String>,
) -> ApiResult<Json<User>> {
    Ok(Json(s.store.user(p.id, path_id(&id, "user")?).await?))
}

async fn update_user(
    State(s): Api,
    ApiProject(p): ApiProject,
    Path(id): Path<String>,
    ApiJson(patch): ApiJson<UserPatch>,
) -> ApiResult<Json<User>> {
    let id = path_id(&id, "user")?;
    let patch = UserPatch {
        name: patch
            .name
            .map(|n| required_text("name", &n, NAME_MAX))
            .transpose()?,
        email: match patch.email {
            Some(e) => Some(
                email("email", Some(&e))?
                    .ok_or_else(|| AppError::invalid("email must not be empty"))?,
            ),
            None => None,
        },
        external_id: patch_text(patch.external_id, external_id)?,
    };
    Ok(Json(s.store.update_user(p.id, id, patch).await?))
}

// Contacts

async fn create_contact(
    State(s): Api,
    ApiProject(p): ApiProject,
    ApiJson(new): ApiJson<NewContact>,
) -> ApiResult<(StatusCode, Json<Contact>)> {
    let new = NewContact {
        display_name: required_text("display_name", &new.display_name, NAME_MAX)?,
        phone_number: phone("phone_number", new.phone_number.as_deref())?,
        email: email("email", new.email.as_deref())?,
        identifier: optional_text("identifier", new.identifier.as_deref(), EXTERNAL_ID_MAX)?,
    };
    Ok(created(s.store.create_contact(p.id, new).await?))
}

async fn list_contacts(
    State(s): Api,
    ApiProject(p): ApiProject,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<Page<Contact>>> {
    let (cursor, limit) = q.page()?;
    Ok(Json(s.store.contacts(p.id, cursor, limit).await?))
}

async fn get_contact(
    State(s): Api,
    ApiProject(p): ApiProject,
    Path(id): Path<String>,
) -> ApiResult<Json<Contact>> {
    Ok(Json(s.store.contact(p.id, path_id(&id, "contact")?).await?))
}

async fn update_contact(
    State(s): Api,
    ApiProject(p): ApiProject,
    Path(id): Path<String>,
    ApiJson(patch): ApiJson<ContactPatch>,
) -> ApiResult<Json<Contact>> {
    let id = path_id(&id, "contact")?;
    let patch = ContactPatch {
        display_name: patch
            .display_name
            .map(|n| required_text("display_name", &n, NAME_MAX))
            .transpose()?,
        phone_number: patch_text(patch.phone_number, |v| phone("phone_number", v))?,
        email: patch_text(patch.email, |v| email("email", v))?,
        identifier: patch_text(patch.identifier, |v| {
            optional_text("identifier", v, EXTERNAL_ID_MAX)
        })?,
    };
    Ok(Json(s.store.update_contact(p.id, id, patch).await?))
}
