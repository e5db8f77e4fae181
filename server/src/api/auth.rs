//! Sign-up with an invitation, sign-in, sign-out, who am I, and password reset.

use app::rules::people::{SelfDescription, check_name, check_password, normalise_invitation_code, normalise_phone};
use app::wire::{AccountView, Reset, SignIn, SignUp};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{AppendHeaders, IntoResponse, Response};

use super::error::{ApiError, JsonBody};
use super::signed_in::{MaybeSignedIn, SignedIn};
use crate::AppState;
use crate::accounts::people::{self, AccountError};
use crate::accounts::{Account, known_devices, passwords, reset_codes, sessions};
use crate::http::client::Client;
use crate::infra::rate_limit::Counted;

/// Counts an attempt for `phone` (`what`: "password" or "reset") from this
/// client before the work it costs, so that parallel requests cannot pass the
/// limit together (`RateLimits`); taken back when it succeeds. A sign-in
/// (`Some(device)`: the key of a known device, if it is one) also counts
/// against the limit on successful sign-ins.
async fn count_attempt(
    state: &AppState,
    what: &str,
    phone: &str,
    client: &Client,
    sign_in: Option<Option<&str>>,
) -> Result<Counted, ApiError> {
    let limits = &state.rate_limits;
    let failures = match sign_in {
        Some(Some(device)) => limits.for_known_device(phone, device),
        _ => limits.for_phone(what, phone, &client.0),
    };
    let successes = if sign_in.is_some() { limits.for_sign_in(phone) } else { Vec::new() };
    Counted::attempt(&state.db, failures, successes).await?.map_err(ApiError::rate_limited)
}

/// A sign-in or sign-up that succeeded: who she is, and the cookies that keep
/// her signed in on this device (the same for the API and the pages' forms).
pub struct Entered {
    pub account: Account,
    cookies: Vec<String>,
}

impl Entered {
    /// Her session starts, and a device seen for the first time becomes known to her limits.
    async fn start(state: &AppState, account: Account, secure: bool, new_device: bool) -> Result<Entered, ApiError> {
        let token = sessions::start(&state.db, &account.id).await?;
        let mut cookies = sessions::cookies(Some((&token, &account.id)), secure).to_vec();
        if new_device {
            let device = known_devices::remember(&state.db, &account.id).await?;
            cookies.push(known_devices::cookie(&device, secure));
        }
        Ok(Entered { account, cookies })
    }

    /// Sets her cookies on `response`.
    pub fn set_cookies(&self, response: &mut Response) {
        for cookie in &self.cookies {
            response.headers_mut().append(header::SET_COOKIE, HeaderValue::from_str(cookie).expect("ASCII cookie"));
        }
    }

    fn json(&self, status: StatusCode) -> Response {
        let mut response = (status, Json(self.account.view())).into_response();
        self.set_cookies(&mut response);
        response
    }
}

pub async fn sign_up(
    State(state): State<AppState>,
    client: Client,
    headers: HeaderMap,
    JsonBody(form): JsonBody<SignUp>,
) -> Result<Response, ApiError> {
    Ok(sign_up_with(&state, &client, &headers, form).await?.json(StatusCode::CREATED))
}

/// Signs up with an invitation code (or, sent again, signs in): every rule and
/// limit of a sign-up, for the API and the sign-up page's form alike.
pub async fn sign_up_with(
    state: &AppState,
    client: &Client,
    headers: &HeaderMap,
    form: SignUp,
) -> Result<Entered, ApiError> {
    // Every field's problem at once, each beside its field: she fixes them in one go.
    let code = normalise_invitation_code(&form.code);
    let phone = normalise_phone(&form.phone);
    let name = check_name(&form.name);
    let gender = form.gender.map(|g| g.trim().to_string()).filter(|g| !g.is_empty());
    // One of the form's choices: the programme counts them, never reads words.
    let bad_gender = gender.as_deref().is_some_and(|g| SelfDescription::from_id(g).is_none());
    let mut problems = Vec::new();
    if phone.is_none() {
        problems.push(("phone", ApiError::BAD_PHONE));
    }
    if name.is_none() {
        problems.push(("name", ApiError::BAD_NAME));
    }
    if !check_password(&form.password) {
        problems.push(("password", ApiError::WEAK_PASSWORD));
    }
    if bad_gender {
        problems.push(("gender", ApiError::BAD_GENDER));
    }
    let Some(phone) = phone else {
        let code_problem = code.is_none().then_some(("code", ApiError::INVITATION_INVALID));
        return Err(ApiError::fields(&code_problem.into_iter().chain(problems).collect::<Vec<_>>())
            .unwrap_or(ApiError::BAD_PHONE));
    };
    // Counted per phone before the code is looked up, whatever else is wrong.
    let counted = count_attempt(state, "password", &phone, client, None).await?;
    let open = match &code {
        Some(code) => people::invitation_open(&state.db, code).await?,
        None => false,
    };
    if !problems.is_empty() {
        // A code that is not open is wrong for this sign-up too: a retry of one
        // that went through (below) has passed every other check before.
        let code_problem = (!open).then_some(("code", ApiError::INVITATION_INVALID));
        return Err(ApiError::fields(&code_problem.into_iter().chain(problems).collect::<Vec<_>>())
            .unwrap_or(ApiError::BAD_REQUEST));
    }
    let (Some(code), Some(name)) = (code, name) else {
        return Err(wrong_code());
    };
    // On 2G the answer to a sign-up can be lost and the phone sends it again:
    // the same phone, code and password then sign in instead of failing.
    // A code that is not open costs no hash (only that check of a password).
    let account = if open {
        let hash = passwords::try_hash(form.password.clone()).await?;
        match people::sign_up(&state.db, &code, &phone, &name, &hash, gender).await {
            Ok(account) => account,
            Err(AccountError::InvitationInvalid) => already_signed_up(state, &code, &phone, form.password).await?,
            Err(other) => return Err(other.into()),
        }
    } else {
        already_signed_up(state, &code, &phone, form.password).await?
    };
    counted.succeeded().await?;
    Entered::start(state, account, state.site.secure_cookies(headers), true).await
}

/// The invitation code is wrong (or used): said beside the code's field.
fn wrong_code() -> ApiError {
    ApiError::fields(&[("code", ApiError::INVITATION_INVALID)]).unwrap_or(ApiError::INVITATION_INVALID)
}

async fn already_signed_up(state: &AppState, code: &str, phone: &str, password: String) -> Result<Account, ApiError> {
    if people::invitation_code_of(&state.db, phone).await?.as_deref() != Some(code) {
        return Err(wrong_code());
    }
    let Some((account, stored)) = people::find_for_sign_in(&state.db, phone).await? else {
        return Err(wrong_code());
    };
    match passwords::try_verify(password, stored).await? {
        true => Ok(account),
        false => Err(wrong_code()),
    }
}

pub async fn sign_in(
    State(state): State<AppState>,
    client: Client,
    headers: HeaderMap,
    JsonBody(form): JsonBody<SignIn>,
) -> Result<Response, ApiError> {
    Ok(sign_in_with(&state, &client, &headers, form).await?.json(StatusCode::OK))
}

/// Signs in with a phone and password: every rule and limit of a sign-in, for
/// the API and the sign-in page's form alike.
pub async fn sign_in_with(
    state: &AppState,
    client: &Client,
    headers: &HeaderMap,
    form: SignIn,
) -> Result<Entered, ApiError> {
    let phone = normalise_phone(&form.phone).ok_or(ApiError::BAD_PHONE)?;
    let secure = state.site.secure_cookies(headers);
    let cookie_lines = headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok());
    let device = match known_devices::token_from_cookies(cookie_lines, secure) {
        Some(token) => known_devices::known(&state.db, token, &phone).await?,
        None => None,
    };
    let counted = count_attempt(state, "password", &phone, client, Some(device.as_deref())).await?;
    // Refused before the lookup, so that its speed says nothing about the phone.
    if form.password.len() > app::rules::people::MAX_PASSWORD_BYTES {
        return Err(ApiError::INVALID_CREDENTIALS);
    }
    // An unknown phone costs the same work and gets the same answer as a wrong password.
    let Some((account, stored)) = people::find_for_sign_in(&state.db, &phone).await? else {
        passwords::try_verify_nothing(form.password).await?;
        return Err(ApiError::INVALID_CREDENTIALS);
    };
    let verified = match device {
        Some(_) => passwords::try_verify_known(form.password, stored).await?,
        None => passwords::try_verify(form.password, stored).await?,
    };
    if !verified {
        return Err(ApiError::INVALID_CREDENTIALS);
    }
    counted.succeeded().await?;
    Entered::start(state, account, secure, device.is_none()).await
}

pub async fn sign_out(
    State(state): State<AppState>,
    MaybeSignedIn(signed_in): MaybeSignedIn,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if let Some(signed_in) = signed_in {
        sessions::end(&state.db, &signed_in.session_id).await?;
    }
    let secure = state.site.secure_cookies(&headers);
    let cookies = sessions::cookies(None, secure);
    Ok((StatusCode::NO_CONTENT, AppendHeaders(cookies.map(|cookie| (header::SET_COOKIE, cookie)))).into_response())
}

pub async fn me(signed_in: SignedIn) -> Json<AccountView> {
    Json(signed_in.account.view())
}

pub async fn reset_password(
    State(state): State<AppState>,
    client: Client,
    JsonBody(form): JsonBody<Reset>,
) -> Result<StatusCode, ApiError> {
    reset_with(&state, &client, form).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Sets a new password with a reset code: every rule and limit of a reset, for
/// the API and the reset page's form alike.
pub async fn reset_with(state: &AppState, client: &Client, form: Reset) -> Result<(), ApiError> {
    let phone = normalise_phone(&form.phone).ok_or(ApiError::BAD_PHONE)?;
    let counted = count_attempt(state, "reset", &phone, client, None).await?;
    let code = normalise_invitation_code(&form.code).ok_or(ApiError::RESET_CODE_INVALID)?;
    if !check_password(&form.password) {
        return Err(ApiError::WEAK_PASSWORD);
    }
    // A wrong code costs no hash.
    if !reset_codes::valid(&state.db, &phone, &code).await? {
        return Err(ApiError::RESET_CODE_INVALID);
    }
    let hash = passwords::try_hash(form.password).await?;
    if reset_codes::redeem(&state.db, &phone, &code, hash).await? {
        counted.succeeded().await?;
        Ok(())
    } else {
        Err(ApiError::RESET_CODE_INVALID)
    }
}
