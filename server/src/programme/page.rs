//! `/review/dashboard` and `/review/dashboard.csv`: the figures for a
//! coordinator's districts (an admin's: all), drawn on the server with no
//! script, charts as SVG, in the viewer's language, printable on A4; the same
//! figures as CSV for a spreadsheet.

use app::i18n::{Key, Lang, text};
use app::rules::money::group_digits;
use app::rules::people::{District, LedBy, Role};
use app::rules::review::ReviewState;
use app::ui::{SiteFooter, district_name};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Datelike, Days, NaiveDate};
use leptos::prelude::*;
use serde::Deserialize;
use surrealdb::Surreal;
use surrealdb::engine::any::Any;

use super::figures::{self, Counts, DistrictFigures, Figures, Range};
use super::tally;
use crate::accounts::{Account, sessions};
use crate::http::plain_html::{escape, language, render};

/// The view asked for: `?from=YYYY-MM-DD&to=YYYY-MM-DD&district=<id>&lang=<code>`;
/// the CSV's `table=workshops` gives the workshops' table instead of the districts'.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Asked {
    pub from: Option<String>,
    pub to: Option<String>,
    pub district: Option<String>,
    pub lang: Option<String>,
    pub table: Option<String>,
}

/// Days shown when none are asked for: the last 30, today included.
const DEFAULT_DAYS: u64 = 30;

/// What a view reads, or why it cannot.
enum View {
    Shown { range: Range, districts: Vec<String> },
    BadRange,
    NotYours,
}

fn parse_day(text: Option<&str>) -> Result<Option<NaiveDate>, ()> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) => NaiveDate::parse_from_str(t, "%Y-%m-%d").map(Some).map_err(|_| ()),
    }
}

fn decide(who: &Account, asked: &Asked, today: NaiveDate) -> View {
    let mine: Vec<String> = match who.role() {
        Some(Role::Admin) => District::IDS.iter().map(|d| (*d).to_owned()).collect(),
        // In the programme's order of districts, whatever order they were given in.
        Some(Role::Coordinator) => {
            District::IDS.iter().filter(|d| who.districts.iter().any(|m| m == *d)).map(|d| (*d).to_owned()).collect()
        }
        _ => return View::NotYours,
    };
    let districts = match asked.district.as_deref().filter(|d| !d.is_empty()) {
        None => mine,
        Some(one) if mine.iter().any(|m| m == one) => vec![one.to_owned()],
        Some(_) => return View::NotYours,
    };
    let (Ok(from), Ok(to)) = (parse_day(asked.from.as_deref()), parse_day(asked.to.as_deref())) else {
        return View::BadRange;
    };
    let to = to.unwrap_or(today);
    let from = from.unwrap_or_else(|| to.checked_sub_days(Days::new(DEFAULT_DAYS - 1)).unwrap_or(to));
    match Range::new(from, to) {
        Some(range) => View::Shown { range, districts },
        None => View::BadRange,
    }
}

/// What the page needs of the site: its database, stylesheet, and whether
/// cookies are the secure ones here (the handlers in `api::dashboard` give it).
pub struct Site {
    pub db: std::sync::Arc<Surreal<Any>>,
    pub stylesheet: String,
    pub secure_cookies: bool,
}

/// The signed-in person, if any.
async fn viewer(state: &Site, headers: &HeaderMap) -> Result<Option<Account>, Response> {
    match sessions::of_request(&state.db, headers, state.secure_cookies).await {
        Ok(session) => Ok(session.map(|(s, _)| s.account)),
        Err(error) => {
            tracing::error!(%error, "the dashboard's session could not be read");
            Err(StatusCode::SERVICE_UNAVAILABLE.into_response())
        }
    }
}

fn private(status: StatusCode, content_type: &'static str, body: String) -> Response {
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    headers.insert(header::HeaderName::from_static("x-robots-tag"), HeaderValue::from_static("noindex"));
    headers.insert(header::VARY, HeaderValue::from_static("Cookie"));
    response
}

async fn figures_for(
    state: &Site,
    headers: &HeaderMap,
    asked: &Asked,
) -> Result<(Lang, Account, Result<Figures, Key>), Response> {
    let lang = language(asked.lang.as_deref(), headers);
    let Some(who) = viewer(state, headers).await? else {
        return Err(Redirect::to("/sign-in").into_response());
    };
    let today = tally::today();
    let read = match decide(&who, asked, today) {
        View::NotYours => return Err(not_yours(state, lang)),
        View::BadRange => Err(Key::DashboardBadRange),
        View::Shown { range, districts } => match figures::read(&state.db, &districts, range, today).await {
            Ok(figures) => Ok(figures),
            Err(error) => {
                tracing::error!(%error, "the programme's figures could not be read");
                return Err(private(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "text/plain; charset=utf-8",
                    text(lang, Key::ErrorInternal).to_owned(),
                ));
            }
        },
    };
    Ok((lang, who, read))
}

/// `GET /review/dashboard`.
pub async fn dashboard(state: Site, headers: HeaderMap, asked: Asked) -> Response {
    let (lang, who, read) = match figures_for(&state, &headers, &asked).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let status = if read.is_ok() { StatusCode::OK } else { StatusCode::BAD_REQUEST };
    let page = document(&state, lang, &who, &asked, read);
    private(status, "text/html; charset=utf-8", page)
}

/// `GET /review/dashboard.csv`: a row per district and the total (or, with
/// `table=workshops`, a row per workshop).
pub async fn dashboard_csv(state: Site, headers: HeaderMap, asked: Asked) -> Response {
    let (lang, _, read) = match figures_for(&state, &headers, &asked).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let figures = match read {
        Ok(figures) => figures,
        Err(key) => return private(StatusCode::BAD_REQUEST, "text/plain; charset=utf-8", text(lang, key).to_owned()),
    };
    let workshops = asked.table.as_deref() == Some("workshops");
    let body = if workshops { workshops_csv(lang, &figures) } else { csv(lang, &figures) };
    let mut response = private(StatusCode::OK, "text/csv; charset=utf-8", body);
    let part = if workshops { "-workshops" } else { "" };
    let name = format!("attachment; filename=\"sawda{part}-{}-{}.csv\"", figures.range.from, figures.range.to);
    if let Ok(value) = HeaderValue::from_str(&name) {
        response.headers_mut().insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

/// The workshops held in the range: name, district, date, codes made, sign-ups.
fn workshops_csv(lang: Lang, figures: &Figures) -> String {
    use crate::export::csv::line;
    let head = [
        Key::DashboardWorkshop,
        Key::DashboardDistrict,
        Key::DashboardDate,
        Key::DashboardInvited,
        Key::DashboardSignedUp,
    ];
    let mut out = String::from("\u{feff}");
    line(&mut out, head.iter().map(|key| text(lang, *key).to_owned()));
    for w in &figures.workshops {
        let row = [
            w.name.clone(),
            district_name(lang, &w.district),
            w.date.clone(),
            w.seats.to_string(),
            w.signed_up.to_string(),
        ];
        line(&mut out, row.into_iter());
    }
    out
}

/// The columns of the CSV, in the viewer's language: the period's, then today's.
fn csv(lang: Lang, figures: &Figures) -> String {
    use crate::export::csv::line;
    let mut head: Vec<String> = vec![
        text(lang, Key::DashboardDistrict).into(),
        text(lang, Key::DashboardFrom).into(),
        text(lang, Key::DashboardTo).into(),
    ];
    head.extend(PERIOD.iter().map(|(key, _)| text(lang, *key).to_owned()));
    head.push(format!(
        "{} ({})",
        text(lang, Key::DashboardMedian),
        text(lang, Key::DashboardHours).replace("{n}", "").trim()
    ));
    head.push(text(lang, Key::DashboardActive).into());
    head.extend(
        ReviewState::ALL
            .iter()
            .map(|s| format!("{}: {}", text(lang, Key::DashboardStorefronts), text(lang, s.name_key()))),
    );
    head.extend(
        LedBy::ALL.iter().map(|l| format!("{}: {}", text(lang, Key::DashboardLedBy), text(lang, l.name_key()))),
    );
    head.push(format!("{} (%)", text(lang, Key::DashboardWomenLed)));
    let mut out = String::from("\u{feff}");
    line(&mut out, head.into_iter());
    let total_name = text(lang, Key::DashboardTotal).to_owned();
    let rows =
        figures.districts.iter().map(|d| (district_name(lang, &d.district), d)).chain([(total_name, &figures.total)]);
    for (name, d) in rows {
        let mut row = vec![name, figures.range.from.to_string(), figures.range.to.to_string()];
        row.extend(PERIOD.iter().map(|(_, count)| count(&d.counts).to_string()));
        row.push(d.median_minutes().map(|m| format!("{:.1}", m / 60.0)).unwrap_or_default());
        row.push(d.active.to_string());
        row.extend(d.storefronts.iter().map(i64::to_string));
        row.extend(d.led_by.iter().map(i64::to_string));
        row.push(d.women_led_share().map(|s| format!("{:.1}", s * 100.0)).unwrap_or_default());
        line(&mut out, row.into_iter());
    }
    out
}

/// The period's counts, in the order the page and the CSV show them.
type CountOf = fn(&Counts) -> i64;
const PERIOD: [(Key, CountOf); 7] = [
    (Key::DashboardInvited, |c| c.invited),
    (Key::DashboardSignedUp, |c| c.signed_up),
    (Key::DashboardDecisions, |c| c.decided),
    (Key::DashboardProductsApproved, |c| c.products_approved),
    (Key::DashboardAdsPublished, |c| c.ads_published),
    (Key::DashboardOrdersReceived, |c| c.orders_received),
    (Key::DashboardOrdersDone, |c| c.orders_done),
];

/// A number with the language's grouping of digits.
fn number(n: i64, lang: Lang) -> String {
    group_digits(n, lang)
}

/// One decimal, with the language's decimal mark.
fn decimal(x: f64, lang: Lang) -> String {
    let shown = format!("{x:.1}");
    let shown = shown.strip_suffix(".0").map(str::to_owned).unwrap_or(shown);
    if lang == Lang::En { shown } else { shown.replace('.', ",") }
}

/// Minutes as hours under two days, days from then on.
fn duration(minutes: Option<f64>, lang: Lang) -> String {
    match minutes {
        None => "—".into(),
        Some(m) if m < 48.0 * 60.0 => text(lang, Key::DashboardHours).replace("{n}", &decimal(m / 60.0, lang)),
        Some(m) => text(lang, Key::DashboardDays).replace("{n}", &decimal(m / 1440.0, lang)),
    }
}

fn share(part: Option<f64>, lang: Lang) -> String {
    part.map_or_else(|| "—".into(), |s| format!("{}%", decimal(s * 100.0, lang)))
}

/// This page's address with `lang` changed (the range and district kept).
fn with_language(asked: &Asked, lang: Lang) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (name, value) in [("from", &asked.from), ("to", &asked.to), ("district", &asked.district)] {
        if let Some(value) = value.as_deref().filter(|v| !v.is_empty()) {
            query.append_pair(name, value);
        }
    }
    query.append_pair("lang", lang.code());
    format!("?{}", query.finish())
}

fn csv_address(figures: &Figures, asked: &Asked, lang: Lang, table: Option<&str>) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    if let Some(table) = table {
        query.append_pair("table", table);
    }
    query.append_pair("from", &figures.range.from.to_string());
    query.append_pair("to", &figures.range.to.to_string());
    if let Some(district) = asked.district.as_deref().filter(|d| !d.is_empty()) {
        query.append_pair("district", district);
    }
    query.append_pair("lang", lang.code());
    format!("/review/dashboard.csv?{}", query.finish())
}

fn header_view(lang: Lang, asked: &Asked) -> impl IntoView + use<> {
    let links = Lang::ALL.map(|option| {
        view! {
            <a href=with_language(asked, option) hreflang=option.code() lang=option.code()
                title=text(option, Key::LanguageName) aria-current=(option == lang).then_some("true")>
                {text(option, Key::LanguageShort)}
            </a>
        }
    });
    view! {
        <header class="site-header">
            <a class="skip-link" href="#main">{text(lang, Key::NavSkip)}</a>
            <div class="site-header__top">
                <a class="brand" href="/">{text(lang, Key::AppName)}</a>
                <nav class="language-switcher">{links.into_iter().collect_view()}</nav>
            </div>
            <nav class="main-nav" aria-label=text(lang, Key::NavLabel)>
                <a href="/review">{text(lang, Key::NavReview)}</a>
                <a href="/market">{text(lang, Key::NavMarket)}</a>
                <a href="/account">{text(lang, Key::NavAccount)}</a>
            </nav>
        </header>
    }
}

fn not_yours(state: &Site, lang: Lang) -> Response {
    let stylesheet = state.stylesheet.clone();
    let page = render(lang, move || {
        view! {
            <!DOCTYPE html>
            <html lang=lang.code()>
                <head>
                    <meta charset="utf-8"/>
                    <meta name="viewport" content="width=device-width, initial-scale=1"/>
                    <title>{format!("{} · Sawda", text(lang, Key::DashboardTitle))}</title>
                    <link rel="stylesheet" href=stylesheet/>
                </head>
                <body>
                    <main id="main" class="page narrow">
                        <h1>{text(lang, Key::DashboardTitle)}</h1>
                        <p>{text(lang, Key::DashboardNotYours)}</p>
                        <p><a href="/">{text(lang, Key::AppName)}</a></p>
                    </main>
                </body>
            </html>
        }
    });
    private(StatusCode::FORBIDDEN, "text/html; charset=utf-8", page)
}

/// The form that picks the range and the district.
fn range_form(lang: Lang, who: &Account, asked: &Asked, range: Option<Range>) -> impl IntoView + use<> {
    let (from, to) = match range {
        Some(r) => (r.from.to_string(), r.to.to_string()),
        None => (asked.from.clone().unwrap_or_default(), asked.to.clone().unwrap_or_default()),
    };
    let mine: Vec<&'static str> = match who.role() {
        Some(Role::Admin) => District::IDS.to_vec(),
        _ => District::IDS.iter().copied().filter(|d| who.districts.iter().any(|m| m == d)).collect(),
    };
    let chosen = asked.district.clone().unwrap_or_default();
    let options = mine
        .into_iter()
        .map(|id| view! { <option value=id selected=chosen == id>{district_name(lang, id)}</option> })
        .collect_view();
    view! {
        <form class="dashboard-range" method="get" action="/review/dashboard">
            <input type="hidden" name="lang" value=lang.code()/>
            <label>{text(lang, Key::DashboardFrom)}<input type="date" name="from" value=from required/></label>
            <label>{text(lang, Key::DashboardTo)}<input type="date" name="to" value=to required/></label>
            <label>
                {text(lang, Key::DashboardDistrict)}
                <select name="district">
                    <option value="" selected=asked.district.as_deref().is_none_or(str::is_empty)>
                        {text(lang, Key::DashboardAllDistricts)}
                    </option>
                    {options}
                </select>
            </label>
            <button class="button" type="submit">{text(lang, Key::DashboardShow)}</button>
        </form>
    }
}

fn tile(n: String, label: String) -> impl IntoView {
    view! {
        <div class="tile">
            <span class="tile-n">{n}</span>
            <span class="tile-label">{label}</span>
        </div>
    }
}

fn document(state: &Site, lang: Lang, who: &Account, asked: &Asked, read: Result<Figures, Key>) -> String {
    let stylesheet = state.stylesheet.clone();
    let title = format!("{} · Sawda", text(lang, Key::DashboardTitle));
    let header = header_view(lang, asked);
    let range = read.as_ref().ok().map(|f| f.range);
    let form = range_form(lang, who, asked, range);
    let body = match read {
        Err(key) => view! { <p class="problem" role="alert">{text(lang, key)}</p> }.into_any(),
        Ok(figures) => figures_view(lang, asked, figures).into_any(),
    };
    render(lang, move || {
        view! {
            <!DOCTYPE html>
            <html lang=lang.code()>
                <head>
                    <meta charset="utf-8"/>
                    <meta name="viewport" content="width=device-width, initial-scale=1"/>
                    <meta name="robots" content="noindex"/>
                    <title>{title}</title>
                    <link rel="stylesheet" href=stylesheet/>
                    <link rel="stylesheet" href="/dashboard.css"/>
                    <link rel="icon" href="/favicon.svg"/>
                </head>
                <body>
                    {header}
                    <main id="main" class="page dashboard">
                        <h1>{text(lang, Key::DashboardTitle)}</h1>
                        <p class="lead">{text(lang, Key::DashboardLead)}</p>
                        {form}
                        {body}
                    </main>
                    <SiteFooter/>
                </body>
            </html>
        }
    })
}

fn figures_view(lang: Lang, asked: &Asked, figures: Figures) -> impl IntoView + use<> {
    let csv = csv_address(&figures, asked, lang, None);
    let workshops_csv = csv_address(&figures, asked, lang, Some("workshops"));
    let period = text(lang, Key::DashboardPeriod)
        .replace("{from}", &figures.range.from.to_string())
        .replace("{to}", &figures.range.to.to_string());
    let now = text(lang, Key::DashboardNow).replace("{today}", &figures.today.to_string());
    let total = &figures.total;
    let period_tiles = PERIOD
        .iter()
        .map(|(key, count)| tile(number(count(&total.counts), lang), text(lang, *key).into()))
        .chain([tile(duration(total.median_minutes(), lang), text(lang, Key::DashboardMedian).into())])
        .collect_view();
    let now_tiles = view! {
        {tile(number(total.active, lang), text(lang, Key::DashboardActive).into())}
        {tile(number(total.storefronts_total(), lang), text(lang, Key::DashboardStorefronts).into())}
        {tile(share(total.women_led_share(), lang), text(lang, Key::DashboardWomenLed).into())}
    };
    let several = figures.districts.len() > 1;
    let rows: Vec<(String, DistrictFigures, bool)> = figures
        .districts
        .iter()
        .map(|d| (district_name(lang, &d.district), d.clone(), false))
        .chain(several.then(|| (text(lang, Key::DashboardTotal).to_owned(), total.clone(), true)))
        .collect();
    let period_table = {
        let heads = PERIOD.iter().map(|(key, _)| view! { <th scope="col">{text(lang, *key)}</th> }).collect_view();
        let body = rows
            .iter()
            .map(|(name, d, is_total)| {
                let cells =
                    PERIOD.iter().map(|(_, count)| view! { <td>{number(count(&d.counts), lang)}</td> }).collect_view();
                view! {
                    <tr class:total=*is_total>
                        <th scope="row">{name.clone()}</th>
                        {cells}
                        <td>{duration(d.median_minutes(), lang)}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <div class="table-wrap">
                <table>
                    <caption>{period.clone()}</caption>
                    <thead><tr>
                        <th scope="col">{text(lang, Key::DashboardDistrict)}</th>
                        {heads}
                        <th scope="col">{text(lang, Key::DashboardMedian)}</th>
                    </tr></thead>
                    <tbody>{body}</tbody>
                </table>
            </div>
        }
    };
    let now_table = {
        let state_heads =
            ReviewState::ALL.iter().map(|s| view! { <th scope="col">{text(lang, s.name_key())}</th> }).collect_view();
        let led_heads =
            LedBy::ALL.iter().map(|l| view! { <th scope="col">{text(lang, l.name_key())}</th> }).collect_view();
        let body = rows
            .iter()
            .map(|(name, d, is_total)| {
                let states = d.storefronts.iter().map(|n| view! { <td>{number(*n, lang)}</td> }).collect_view();
                let led = d.led_by.iter().map(|n| view! { <td>{number(*n, lang)}</td> }).collect_view();
                view! {
                    <tr class:total=*is_total>
                        <th scope="row">{name.clone()}</th>
                        <td>{number(d.active, lang)}</td>
                        {states}
                        {led}
                        <td>{share(d.women_led_share(), lang)}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <div class="table-wrap">
                <table>
                    <caption>{now.clone()}</caption>
                    <thead>
                        <tr>
                            <th scope="col" rowspan="2">{text(lang, Key::DashboardDistrict)}</th>
                            <th scope="col" rowspan="2">{text(lang, Key::DashboardActive)}</th>
                            <th scope="colgroup" colspan="5">{text(lang, Key::DashboardStorefronts)}</th>
                            <th scope="colgroup" colspan="4">{text(lang, Key::DashboardLedBy)}</th>
                            <th scope="col" rowspan="2">{text(lang, Key::DashboardWomenLed)}</th>
                        </tr>
                        <tr>{state_heads}{led_heads}</tr>
                    </thead>
                    <tbody>{body}</tbody>
                </table>
            </div>
        }
    };
    let workshops = if figures.workshops.is_empty() {
        view! { <p>{text(lang, Key::DashboardNoWorkshops)}</p> }.into_any()
    } else {
        let body = figures
            .workshops
            .iter()
            .map(|w| {
                view! {
                    <tr>
                        <th scope="row">{w.name.clone()}</th>
                        <td>{district_name(lang, &w.district)}</td>
                        <td>{w.date.clone()}</td>
                        <td>{number(w.seats, lang)}</td>
                        <td>{number(w.signed_up, lang)}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <div class="table-wrap">
                <table>
                    <thead><tr>
                        <th scope="col">{text(lang, Key::DashboardWorkshop)}</th>
                        <th scope="col">{text(lang, Key::DashboardDistrict)}</th>
                        <th scope="col">{text(lang, Key::DashboardDate)}</th>
                        <th scope="col">{text(lang, Key::DashboardInvited)}</th>
                        <th scope="col">{text(lang, Key::DashboardSignedUp)}</th>
                    </tr></thead>
                    <tbody>{body}</tbody>
                </table>
            </div>
        }
        .into_any()
    };
    let activity = activity_chart(lang, &figures);
    let states = states_chart(lang, &figures);
    view! {
        <p class="dashboard-actions">
            <a class="button secondary" href=csv download="">{text(lang, Key::DashboardCsv)}</a>
            <a class="button secondary" href=workshops_csv download="">{text(lang, Key::DashboardWorkshopsCsv)}</a>
            <span class="hint">{text(lang, Key::DashboardPrint)}</span>
        </p>
        <section aria-labelledby="period">
            <h2 id="period">{period}</h2>
            <div class="tiles">{period_tiles}</div>
            <figure class="chart" inner_html=activity></figure>
            {period_table}
        </section>
        <section aria-labelledby="now">
            <h2 id="now">{now}</h2>
            <div class="tiles">{now_tiles}</div>
            <figure class="chart" inner_html=states></figure>
            {now_table}
        </section>
        <section aria-labelledby="workshops">
            <h2 id="workshops">{text(lang, Key::DashboardWorkshops)}</h2>
            {workshops}
        </section>
    }
}

/// Colours of the charts' series: the site's brand and accent, and the review states' own.
const RECEIVED: &str = "#0b5d4b";
const APPROVED: &str = "#b3460b";
const STATE_COLOURS: [&str; 5] = ["#9a9a9a", "#ffbf47", "#0b5d4b", "#b3460b", "#5a3e8a"];

/// Buckets of the range for the activity chart: days up to two months, then
/// weeks while the range is read day by day, then months.
fn buckets(figures: &Figures) -> (Key, Vec<(NaiveDate, i64, i64)>) {
    let days = (figures.range.to - figures.range.from).num_days() + 1;
    let (key, start_of): (Key, fn(NaiveDate, NaiveDate) -> NaiveDate) = if days <= 62 {
        (Key::DashboardChartActivity, |day, _| day)
    } else if days <= figures::DAILY_UP_TO {
        (Key::DashboardChartActivityWeeks, |day, from| {
            from.checked_add_days(Days::new(((day - from).num_days() / 7 * 7) as u64)).unwrap_or(day)
        })
    } else {
        (Key::DashboardChartActivityMonths, |day, _| day.with_day(1).unwrap_or(day))
    };
    let mut out: Vec<(NaiveDate, i64, i64)> = Vec::new();
    for (day, counts) in &figures.days {
        let start = start_of(*day, figures.range.from);
        match out.last_mut() {
            Some(last) if last.0 == start => {
                last.1 += counts.orders_received;
                last.2 += counts.products_approved;
            }
            _ => out.push((start, counts.orders_received, counts.products_approved)),
        }
    }
    (key, out)
}

/// A ceiling for the axis: 1, 2 or 5 times a power of ten.
fn axis_top(max: i64) -> i64 {
    let mut step = 1;
    loop {
        for m in [1, 2, 5] {
            if step * m >= max.max(1) {
                return step * m;
            }
        }
        step *= 10;
    }
}

/// Order requests and products approved over the range, as grouped bars.
fn activity_chart(lang: Lang, figures: &Figures) -> String {
    let (key, buckets) = buckets(figures);
    let (width, height, left, bottom, top) = (640.0, 240.0, 44.0, 36.0, 12.0);
    let plot_w = width - left - 8.0;
    let plot_h = height - bottom - top;
    let max = buckets.iter().map(|b| b.1.max(b.2)).max().unwrap_or(0);
    let ceiling = axis_top(max) as f64;
    let slot = plot_w / buckets.len().max(1) as f64;
    let bar = (slot * 0.4).clamp(0.5, 24.0);
    let y = |n: i64| top + plot_h - plot_h * n as f64 / ceiling;
    let title = escape(text(lang, key));
    let (received, approved) = (text(lang, Key::DashboardOrdersReceived), text(lang, Key::DashboardProductsApproved));
    let mut svg = format!(
        r#"<svg viewBox="0 0 {width} {height}" role="img" aria-labelledby="activity-title" xmlns="http://www.w3.org/2000/svg"><title id="activity-title">{title}</title>"#
    );
    for i in 0..=4 {
        let n = (ceiling as i64) * i / 4;
        let at = y(n);
        svg.push_str(&format!(
            r##"<line x1="{left}" x2="{}" y1="{at:.1}" y2="{at:.1}" stroke="#cfc6b4" stroke-width="1"/><text x="{}" y="{:.1}" font-size="11" text-anchor="end" fill="#333">{}</text>"##,
            width - 8.0,
            left - 4.0,
            at + 4.0,
            escape(&number(n, lang)),
        ));
    }
    for (i, (start, orders, products)) in buckets.iter().enumerate() {
        let x = left + slot * i as f64 + slot / 2.0;
        for (n, colour, dx, name) in [(*orders, RECEIVED, -bar, received), (*products, APPROVED, 0.0, approved)] {
            if n > 0 {
                svg.push_str(&format!(
                    r#"<rect x="{:.1}" y="{:.1}" width="{bar:.1}" height="{:.1}" fill="{colour}"><title>{start}: {} {}</title></rect>"#,
                    x + dx,
                    y(n),
                    top + plot_h - y(n),
                    escape(name),
                    escape(&number(n, lang)),
                ));
            }
        }
    }
    // Dates under the first, middle and last bucket.
    let marks: Vec<usize> = match buckets.len() {
        0 => vec![],
        1 => vec![0],
        n => vec![0, n / 2, n - 1],
    };
    for (place, i) in marks.iter().enumerate() {
        let x = left + slot * *i as f64 + slot / 2.0;
        let anchor = ["start", "middle", "end"][if marks.len() == 1 { 1 } else { place }];
        let x = match anchor {
            "start" => x - slot / 2.0,
            "end" => x + slot / 2.0,
            _ => x,
        };
        svg.push_str(&format!(
            r##"<text x="{x:.1}" y="{:.1}" font-size="11" text-anchor="{anchor}" fill="#333">{}</text>"##,
            top + plot_h + 16.0,
            buckets[*i].0
        ));
    }
    svg.push_str(&legend(&[(RECEIVED, received), (APPROVED, approved)], left, height - 6.0));
    svg.push_str("</svg>");
    svg
}

fn legend(items: &[(&str, &str)], x: f64, y: f64) -> String {
    let mut out = String::new();
    let mut at = x;
    for (colour, name) in items {
        out.push_str(&format!(
            r##"<rect x="{at:.1}" y="{:.1}" width="10" height="10" fill="{colour}"/><text x="{:.1}" y="{y:.1}" font-size="11" fill="#111">{}</text>"##,
            y - 9.0,
            at + 14.0,
            escape(name)
        ));
        // Room for the name: about 7.5 units a letter at this size (Cyrillic is wide).
        at += 24.0 + name.chars().count() as f64 * 7.5;
    }
    out
}

/// Storefronts by state, a stacked bar per district.
fn states_chart(lang: Lang, figures: &Figures) -> String {
    let rows: Vec<(String, [i64; 5])> =
        figures.districts.iter().map(|d| (district_name(lang, &d.district), d.storefronts)).collect();
    let (width, label_w, row_h, top) = (640.0, 130.0, 22.0, 8.0);
    let legend_rows = 2.0;
    let height = top + row_h * rows.len() as f64 + 18.0 * legend_rows + 12.0;
    let max = rows.iter().map(|(_, s)| s.iter().sum::<i64>()).max().unwrap_or(0).max(1) as f64;
    let plot_w = width - label_w - 48.0;
    let title = escape(text(lang, Key::DashboardChartStates));
    let mut svg = format!(
        r#"<svg viewBox="0 0 {width} {height:.0}" role="img" aria-labelledby="states-title" xmlns="http://www.w3.org/2000/svg"><title id="states-title">{title}</title>"#
    );
    for (i, (name, states)) in rows.iter().enumerate() {
        let y = top + row_h * i as f64;
        svg.push_str(&format!(
            r##"<text x="{:.1}" y="{:.1}" font-size="11" text-anchor="end" fill="#111">{}</text>"##,
            label_w - 6.0,
            y + 14.0,
            escape(name)
        ));
        let mut x = label_w;
        for (place, n) in states.iter().enumerate() {
            if *n > 0 {
                let w = plot_w * *n as f64 / max;
                svg.push_str(&format!(
                    r#"<rect x="{x:.1}" y="{:.1}" width="{w:.1}" height="{:.1}" fill="{}"><title>{}: {} {}</title></rect>"#,
                    y + 3.0,
                    row_h - 6.0,
                    STATE_COLOURS[place],
                    escape(name),
                    escape(text(lang, ReviewState::ALL[place].name_key())),
                    escape(&number(*n, lang)),
                ));
                x += w;
            }
        }
        svg.push_str(&format!(
            r##"<text x="{:.1}" y="{:.1}" font-size="11" fill="#333">{}</text>"##,
            x + 4.0,
            y + 14.0,
            escape(&number(states.iter().sum(), lang))
        ));
    }
    let names: Vec<(&str, &str)> =
        ReviewState::ALL.iter().enumerate().map(|(i, s)| (STATE_COLOURS[i], text(lang, s.name_key()))).collect();
    let base = top + row_h * rows.len() as f64 + 18.0;
    svg.push_str(&legend(&names[..3], 8.0, base));
    svg.push_str(&legend(&names[3..], 8.0, base + 18.0));
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_tops_are_round_and_at_least_the_greatest_bar() {
        assert_eq!(axis_top(0), 1);
        assert_eq!(axis_top(3), 5);
        assert_eq!(axis_top(7), 10);
        assert_eq!(axis_top(11), 20);
        assert_eq!(axis_top(480), 500);
    }

    #[test]
    fn durations_read_as_hours_then_days_with_the_languages_decimal_mark() {
        assert_eq!(duration(None, Lang::En), "—");
        assert_eq!(duration(Some(90.0), Lang::En), "1.5 h");
        assert_eq!(duration(Some(90.0), Lang::Ru), "1,5 ч");
        assert_eq!(duration(Some(4.0 * 1440.0), Lang::En), "4 days");
    }
}
