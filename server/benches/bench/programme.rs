//! `make bench`: the programme's figures (`/review/dashboard`) at the
//! programme's scale, on the embedded database: 10,000 storefronts in 17
//! districts over two years, which leave in the counts a row per district
//! and day (with each decision's minutes), 10,000 entrepreneurs' last active
//! days in their index, the standings and 500 workshops. Those are what a
//! view reads, whatever the number of records behind them; they are written
//! here through the same `Tally` the live transactions use.

use std::time::Instant;

use app::rules::people::{District, LedBy};
use app::rules::review::ReviewState;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use chrono::{Datelike, Days, NaiveDate};
use sawda_server::programme::figures::{self, Range};
use sawda_server::programme::page::{self, Asked, Site};
use sawda_server::programme::tally::{Event, Standing, Tally, today};

use crate::support::{Embedded, ms};

const STOREFRONTS: usize = 10_000;
const DAYS: u64 = 730;
const RUNS: usize = 60;

pub async fn run() {
    let Embedded { db, dir } = Embedded::new().await;
    let seeded = Instant::now();
    let districts: Vec<String> = District::IDS.iter().map(|d| (*d).to_owned()).collect();
    let today = today();
    let first = today.checked_sub_days(Days::new(DAYS - 1)).unwrap();
    // Each district's days, a month of them per transaction.
    for district in &districts {
        let mut day = first;
        while day <= today {
            let transaction = db.clone().begin().await.unwrap();
            let mut tally = Tally::default();
            for _ in 0..30 {
                if day > today {
                    break;
                }
                let n = day.ordinal() as i64;
                // About 10,000 storefronts' worth of a year: sign-ups, decisions, orders, ads.
                tally.add(district, day, Event::SignedUp);
                tally.add(district, day, Event::Invited(2));
                for k in 0..(2 + n % 3) {
                    tally.add(district, day, Event::Decided { minutes: 30 + (n * 37 + k * 101) % 4000 });
                }
                tally.add(district, day, Event::ProductApproved);
                tally.add(district, day, Event::AdPublished);
                for _ in 0..(5 + n % 7) {
                    tally.add(district, day, Event::OrderReceived);
                }
                tally.add(district, day, Event::OrderDone);
                day = day.succ_opt().unwrap();
            }
            tally.write(&transaction).await.unwrap();
            transaction.commit().await.unwrap();
        }
        let transaction = db.clone().begin().await.unwrap();
        let mut tally = Tally::default();
        let per = (STOREFRONTS / districts.len()) as i64;
        for (state, n) in ReviewState::ALL.iter().zip([per / 10, per / 20, per * 7 / 10, per / 10, per / 20]) {
            for _ in 0..n {
                tally.moved(district, None, Some(Standing::Storefront(*state)));
            }
        }
        for (led, n) in LedBy::ALL.iter().zip([per * 58 / 100, per * 30 / 100, per / 50, per / 10]) {
            for _ in 0..n {
                tally.moved(district, None, Some(Standing::LedBy(*led)));
            }
        }
        tally.write(&transaction).await.unwrap();
        transaction.commit().await.unwrap();
    }
    // Every entrepreneur's last active day, spread over the two years.
    for chunk in (0..STOREFRONTS).collect::<Vec<_>>().chunks(1000) {
        let rows: Vec<serde_json::Value> = chunk
            .iter()
            .map(|n| {
                let day = today.checked_sub_days(Days::new((*n as u64 * 7919) % DAYS)).unwrap();
                serde_json::json!({ "id": format!("e{n}"), "district": districts[n % districts.len()], "day": day.to_string() })
            })
            .collect();
        db.query("FOR $r IN $rows { UPSERT type::record('programme_active', $r.id) SET district = $r.district, day = $r.day; };")
            .bind(("rows", rows))
            .await
            .unwrap()
            .check()
            .unwrap();
    }
    let workshops: Vec<serde_json::Value> = (0..500)
        .map(|n| {
            let day = today.checked_sub_days(Days::new((n as u64 * 13) % DAYS)).unwrap();
            serde_json::json!({ "name": format!("Workshop {n}"), "district": districts[n % districts.len()],
                "date": day.to_string(), "seats": 20, "signed_up": 15 })
        })
        .collect();
    db.query(
        "FOR $w IN $rows { CREATE workshop CONTENT { name: $w.name, district: $w.district, date: $w.date,
                 seats: $w.seats, signed_up: $w.signed_up, created_by: account:bench }; };",
    )
    .bind(("rows", workshops))
    .await
    .unwrap()
    .check()
    .unwrap();
    println!(
        "programme figures: seeded {STOREFRONTS} storefronts' counts over {DAYS} days in {} districts in {:.1} s",
        districts.len(),
        seeded.elapsed().as_secs_f64()
    );
    let day = |n: u64| today.checked_sub_days(Days::new(n)).unwrap();
    let views: [(&str, Vec<String>, NaiveDate); 4] = [
        ("admin, all districts, the last 30 days", districts.clone(), day(29)),
        ("admin, all districts, a year", districts.clone(), day(364)),
        ("admin, all districts, two years", districts.clone(), day(DAYS - 1)),
        ("coordinator, 2 districts, a year", districts[..2].to_vec(), day(364)),
    ];
    for (name, asked, from) in views {
        let range = Range::new(from, today).unwrap();
        let mut times = Vec::with_capacity(RUNS);
        let mut read = None;
        for _ in 0..RUNS {
            let started = Instant::now();
            read = Some(figures::read(&db, &asked, range, today).await.unwrap());
            times.push(started.elapsed());
        }
        times.sort();
        let figures = read.unwrap();
        println!(
            "programme figures, {name}: p50 {:.1} ms, p95 {:.1} ms (target p95 <= 100 ms; {} orders, {} active, {} workshops)",
            ms(times[RUNS / 2]),
            ms(times[RUNS * 95 / 100]),
            figures.total.counts.orders_received,
            figures.total.active,
            figures.workshops.len()
        );
    }
    // The whole page as the admin gets it: her session, the figures, the HTML and its charts.
    let admin =
        crate::support::signed_in(&db, "+998901000999", "Admin", app::rules::people::Role::Admin, &[], None).await;
    let shared = std::sync::Arc::new(db.clone());
    for (name, from) in [("the last 30 days", day(29)), ("two years", day(DAYS - 1))] {
        let mut times = Vec::with_capacity(RUNS);
        let mut bytes = 0;
        for _ in 0..RUNS {
            let site = Site { db: shared.clone(), stylesheet: "/pkg/sawda.css".into(), secure_cookies: false };
            let mut headers = HeaderMap::new();
            headers.insert(header::COOKIE, HeaderValue::from_str(&admin.cookie).unwrap());
            let asked = Asked { from: Some(from.to_string()), to: Some(today.to_string()), ..Asked::default() };
            let started = Instant::now();
            let response = page::dashboard(site, headers, asked).await;
            assert_eq!(response.status(), StatusCode::OK);
            bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap().len();
            times.push(started.elapsed());
        }
        times.sort();
        println!(
            "programme figures, the admin's page, {name}: p50 {:.1} ms, p95 {:.1} ms (target p95 <= 100 ms; {bytes} bytes of HTML)",
            ms(times[RUNS / 2]),
            ms(times[RUNS * 95 / 100]),
        );
    }
    drop(shared);
    Embedded { db, dir }.close().await;
}
