//! The market's queries over the approved products: what a buyer's search
//! means to the index (`Asked`: her words as the index cuts them, four
//! languages through one spelling, `app::rules::search`), the order each
//! product holds in the directory (`market_order`, written with every
//! approval), and one page of the directory, keyset-paged, ranked when few
//! match. The page itself is drawn in `public::market`.

use std::time::Duration;

use app::rules::goods_words::{alternatives, close_spelling};
use app::rules::people::District;
use app::rules::records::storefront::Category;
use app::rules::search::{normalise, runs};
use surrealdb::Surreal;
use surrealdb::engine::any::Any;
use surrealdb::types::SurrealValue;

pub const PAGE: usize = 20;
/// The analyzer indexes prefixes of up to 20 letters: longer words are cut to match.
const LONGEST_PREFIX: usize = 20;

#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct Filters {
    pub q: Option<String>,
    pub district: Option<String>,
    pub category: Option<String>,
    pub after: Option<String>,
    pub lang: Option<String>,
}

/// A product as the directory lists it.
#[derive(Clone, Debug, PartialEq)]
pub struct Listed {
    pub href: String,
    pub name: String,
    pub storefront: String,
    pub district: String,
    pub price_som: Option<i64>,
    pub photo: Option<String>,
}

pub struct Page {
    pub storefronts: Vec<(String, String, String)>,
    pub products: Vec<Listed>,
    pub next: Option<String>,
}

/// A buyer's search is bounded: the text beyond this is not searched…
pub const QUERY_CHARS: usize = 100;
/// …nor the words beyond these (each word is one more condition on every row read).
pub const QUERY_WORDS: usize = 6;
/// A market query that takes longer gives up, and the buyer is asked for a
/// shorter search (`make bench`: a page takes well under 50 ms at 200,000 products).
/// Searches that reach the database at once, one per core here: a flood of
/// uncached searches from many addresses holds these turns and no more, so
/// sign-ins, pushes and order requests keep the rest of the database.
pub const SEARCHES_AT_ONCE: usize = 2;

pub const TIMEOUT: Duration = Duration::from_millis(300);
/// Longer cursors are not ours: the page starts from the beginning.
const CURSOR_CHARS: usize = 200;

/// What a buyer asked for, as the market reads it: the words as the index
/// cuts them, the filters it knows, and where the page starts.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Asked {
    /// She typed a search (even if no word of it is searchable).
    pub searched: bool,
    pub words: Vec<String>,
    /// Part of her search was beyond `QUERY_CHARS` or `QUERY_WORDS`.
    pub cut: bool,
    /// Single letters and digits, which the index does not hold, were left out.
    pub dropped: bool,
    pub district: Option<String>,
    pub category: Option<String>,
    /// Where the page starts: the tier and order of the last item shown (`page_within`).
    pub after: Option<(u8, String)>,
}

impl Asked {
    pub fn from(filters: &Filters) -> Asked {
        let q = filters.q.as_deref().unwrap_or_default();
        let mut asked = Asked {
            searched: !q.trim().is_empty(),
            cut: q.chars().count() > QUERY_CHARS,
            district: known(&filters.district, |d| District::from_id(d).is_some()).map(str::to_owned),
            category: known(&filters.category, |c| Category::from_id(c).is_some()).map(str::to_owned),
            after: filters.after.as_deref().filter(|c| c.len() <= CURSOR_CHARS).and_then(|cursor| {
                let (tier, order) = cursor.split_once('|')?;
                Some((tier.parse::<u8>().ok()?, order.to_owned()))
            }),
            ..Asked::default()
        };
        let kept: String = q.chars().take(QUERY_CHARS).collect();
        let normalised = normalise(&kept);
        for run in normalised.split(' ').filter(|w| !w.is_empty()).flat_map(runs) {
            // The index holds words of two letters or digits and more, and prefixes of up to 20.
            // (Only letters and digits reach the index, and the count's literal terms.)
            if run.len() < 2 || !run.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()) {
                asked.dropped = true;
                continue;
            }
            let word: String = run.chars().take(LONGEST_PREFIX).collect();
            if asked.words.contains(&word) {
                continue;
            }
            if asked.words.len() == QUERY_WORDS {
                asked.cut = true;
                break;
            }
            asked.words.push(word);
        }
        asked
    }

    /// The words searched, as the search box shows them again.
    pub fn query(&self) -> String {
        self.words.join(" ")
    }

    /// What is searched for each of her words: the word, or, when it names
    /// one of the programme's goods, the good's words in the four languages
    /// (`app::rules::goods_words`): "qovun" is also "qawin", "dinya", "melon".
    /// A search is read as every combination of its words' alternatives
    /// (`Asked::read_statement`): past `COMBINATIONS_AT_MOST`, a later word
    /// is searched as she typed it. A good named twice is widened once.
    fn groups(&self) -> Vec<Vec<String>> {
        let mut combinations = 1;
        let mut groups: Vec<Vec<String>> = Vec::new();
        for word in &self.words {
            let all = alternatives(word);
            if all.len() > 1 && (groups.contains(&all) || combinations * all.len() > COMBINATIONS_AT_MOST) {
                groups.push(vec![word.clone()]);
            } else {
                combinations *= all.len();
                groups.push(all);
            }
        }
        groups
    }

    /// The full-text condition that finds this search, its matches numbered
    /// from `from`: her words in `search_text`, or, with a filter, each word
    /// behind the filter's mark in `search_filtered` (see `filtered_words`).
    /// Words searched alone are one match of every term; a word widened to a
    /// good's words is a match of any of them (`@n,OR@`), one per filter mark.
    /// Terms are letters, digits and spaces only (`Asked::from`, and the
    /// goods table's spellings): literals, since SurrealDB plans its
    /// index-only count for literal terms only. `None` without words.
    fn condition(&self, from: usize) -> Option<(String, usize)> {
        let (field, marks) = self.index()?;
        Some(matches(field, &self.groups(), &marks, from))
    }

    /// The full-text field that answers this search and the marks its terms
    /// stand behind (none for `search_text`). `None` without words.
    fn index(&self) -> Option<(&'static str, Vec<String>)> {
        if self.words.is_empty() {
            return None;
        }
        let marks: Vec<String> = [
            self.district.as_deref().map(|d| filter_mark('d', d)),
            self.category.as_deref().map(|c| filter_mark('c', c)),
        ]
        .into_iter()
        .flatten()
        .collect();
        if marks.is_empty() { Some(("search_text", vec![String::new()])) } else { Some(("search_filtered", marks)) }
    }

    /// The statement that counts the products (of her filters) having every
    /// word from a full-text index alone. SurrealDB counts from the index
    /// only for two or more match conditions (its `IndexCountScan` over a
    /// `BitmapAnd`), hence one condition asked twice.
    pub fn count_statement(&self, within: &str) -> Option<String> {
        let (condition, next) = self.condition(1)?;
        let condition = if next == 2 { format!("{condition} AND {}", self.condition(next)?.0) } else { condition };
        Some(format!("SELECT count() FROM approved_product WHERE {condition} GROUP ALL {within}"))
    }

    /// The statement that reads every product the count found (at most
    /// `RANKED_AT_MOST` of them, with one more to tell there are more). Each
    /// combination of her words' alternatives is one match of all its terms,
    /// and the combinations are joined by OR: SurrealDB reads a union of
    /// full-text matches from the index alone, where a second match on the
    /// same index would be tested on every row the first one finds.
    pub fn read_statement(&self, within: &str) -> Option<String> {
        let (field, marks) = self.index()?;
        let branches = combinations(field, &self.groups(), &marks);
        // Products of a storefront that is not public have no filtered words.
        let public = if field == "search_text" { " AND market_all != NONE" } else { "" };
        let condition = if branches.len() > 1 && !public.is_empty() {
            format!("({}){public}", branches.join(" OR "))
        } else {
            format!("{}{public}", branches.join(" OR "))
        };
        Some(format!("SELECT {CARD} FROM approved_product WHERE {condition} LIMIT {} {within}", RANKED_AT_MOST + 1))
    }

    /// The same for every way of typing the same search: what the page cache keeps it by.
    pub fn key(&self) -> String {
        let after = self.after.as_ref().map_or(String::new(), |(tier, order)| format!("{tier}|{order}"));
        format!(
            "{}|{}|{}|{}|{}|{}|{}",
            u8::from(self.searched),
            u8::from(self.cut),
            u8::from(self.dropped),
            self.district.as_deref().unwrap_or_default(),
            self.category.as_deref().unwrap_or_default(),
            self.query(),
            after
        )
    }
}

/// The market gave up on a query that took longer than its timeout.
pub fn timed_out(error: &surrealdb::Error) -> bool {
    matches!(error.query_details(), Some(surrealdb::types::QueryError::TimedOut { .. }))
        || error.to_string().contains("exceeded the timeout")
}

fn known(value: &Option<String>, valid: impl Fn(&str) -> bool) -> Option<&str> {
    value.as_deref().filter(|v| !v.is_empty() && valid(v))
}

/// How a product sorts in the directory, newest approval first and its id
/// as the tie-break, as a string that sorts ascending (indexes are read
/// forwards): `10^13 - approved ms`, `|`, the row's id. Prefixed by the
/// district and/or category for the filtered orders, so each filter is one
/// range of one index, read in order and stopped after a page. `NONE` while
/// her storefront is not public. With them, its words as the filters find
/// them (`filtered_words`). Run after any change to her approved rows.
pub fn market_order(only: &str) -> String {
    market_order_of("approved_product", &format!("WHERE {only}"))
}

/// `market_order` on what an `UPDATE` names: `$key` and no condition for one
/// product, read by its key, or the table and `WHERE …`.
pub fn market_order_of(target: &str, condition: &str) -> String {
    let key = |prefix: &str| {
        format!(
            "IF storefront_slug = NONE {{ NONE }} ELSE {{ string::concat({prefix}<string> (10000000000000 - time::millis(approved_at)), '|', <string> id) }}"
        )
    };
    format!(
        "UPDATE {target} SET market_all = {}, market_d = {}, market_c = {}, market_dc = {}, search_filtered = {} {condition} RETURN NONE;",
        key(""),
        key("district, '|', "),
        key("category, '|', "),
        key("district, '|', category, '|', "),
        filtered_words()
    )
}

/// A district's or a category's mark on each of a product's words in
/// `search_filtered`: `d` or `c` and three letters from its id, the same in
/// every release (ids never change; `tests::each_filter_has_its_own_mark`).
pub fn filter_mark(kind: char, id: &str) -> String {
    let hash = sawda_sync::ids::fnv1a(sawda_sync::ids::FNV_BASIS, id.as_bytes());
    let letter = |n: u64| char::from(b'a' + (n % 26) as u8);
    format!("{kind}{}{}{}", letter(hash), letter(hash / 26), letter(hash / 676))
}

/// The SurrealQL expression of a product's `search_filtered`: each word of
/// her search text twice, once behind her district's mark and once behind
/// her category's ("dkqhqurt ctbaqurt"), so one full-text count answers how
/// many products of a district (or category, or both) have all her words.
pub fn filtered_words() -> String {
    let marks = |kind: char, ids: Vec<&str>| {
        let entries: Vec<String> = ids.iter().map(|id| format!("'{id}': '{}'", filter_mark(kind, id))).collect();
        format!("({{ {} }})", entries.join(", "))
    };
    format!(
        "IF storefront_slug = NONE {{ NONE }} ELSE {{ array::join(array::flatten(string::words(search_text).map(|$w| [\
         string::concat({districts}[district OR ''] OR 'd000', $w), string::concat({categories}[category OR ''] OR 'c000', $w)])), ' ') }}",
        districts = marks('d', District::ALL.iter().map(|d| d.id()).collect()),
        categories = marks('c', Category::IDS.to_vec())
    )
}

/// A search whose words match at most this many products (in her filters,
/// counted first from the index) is read in full and ranked (names first,
/// then newest); one that matches more reads the filter's order, newest
/// first, and stops after a page, names not lifted. Reading a match costs
/// about 27 µs and scanning past a product about 6.5 µs: with 200,000
/// products, more matches than this are dense enough that a page is found
/// within about 5,000 rows, so neither way passes 50 ms (`make bench`).
pub const RANKED_AT_MOST: usize = 900;

/// A search whose words name goods is read as every combination of their
/// words: at most this many (one good's words, or two goods of eight words
/// each), each one more full-text match.
pub const COMBINATIONS_AT_MOST: usize = 64;

const CARD: &str = "owner, slug, name, price_som, storefront_slug, storefront_name, district, category, name_search, \
                    market_all, record::id(id)[1] AS record";

/// A product as the market reads it (`CARD`).
#[derive(SurrealValue)]
struct Card {
    slug: String,
    name: String,
    price_som: Option<i64>,
    storefront_slug: Option<String>,
    storefront_name: Option<String>,
    district: Option<String>,
    name_search: String,
    market_all: Option<String>,
    record: String,
}

impl Card {
    fn order(&self) -> &str {
        self.market_all.as_deref().unwrap_or_default()
    }
}

/// A storefront that matches, as the first page lists it.
#[derive(SurrealValue)]
struct Shop {
    slug: String,
    name: String,
    district: String,
}

/// The first photo of a product listed.
#[derive(SurrealValue)]
struct FirstPhoto {
    item: String,
    hash: String,
}

/// Full-text matches on `field` (see `Asked::condition`): the words searched
/// alone, behind each mark, in one match of every term; each widened word,
/// behind each mark, in a match of any of its words. Numbered from `from`;
/// the next free number comes back.
fn matches(field: &str, groups: &[Vec<String>], marks: &[String], from: usize) -> (String, usize) {
    let mut next = from;
    let mut conditions = Vec::new();
    let alone: Vec<String> = marks
        .iter()
        .flat_map(|m| groups.iter().filter(|g| g.len() == 1).map(move |g| format!("{m}{}", g[0])))
        .collect();
    if !alone.is_empty() {
        conditions.push(format!("{field} @{next}@ '{}'", alone.join(" ")));
        next += 1;
    }
    for group in groups.iter().filter(|g| g.len() > 1) {
        for m in marks {
            let any: Vec<String> = group.iter().map(|w| format!("{m}{w}")).collect();
            conditions.push(format!("{field} @{next},OR@ '{}'", any.join(" ")));
            next += 1;
        }
    }
    (conditions.join(" AND "), next)
}

/// Each combination of the groups' words (one word of each), as one
/// full-text match on `field` of all its terms behind each mark; numbered
/// from 1. To be joined by OR.
fn combinations(field: &str, groups: &[Vec<String>], marks: &[String]) -> Vec<String> {
    let mut combinations: Vec<Vec<&str>> = vec![Vec::new()];
    for group in groups {
        combinations = combinations
            .iter()
            .flat_map(|c| group.iter().map(move |w| [c.as_slice(), &[w.as_str()]].concat()))
            .collect();
    }
    combinations
        .iter()
        .enumerate()
        .map(|(i, words)| {
            let terms: Vec<String> = marks.iter().flat_map(|m| words.iter().map(move |w| format!("{m}{w}"))).collect();
            format!("{field} @{}@ '{}'", i + 1, terms.join(" "))
        })
        .collect()
}

/// `$w0`, `$w1`…: each word (or any of a widened word's words) found where
/// the index starts a word (set by `bind_words`).
fn word_conditions(groups: &[Vec<String>]) -> Vec<String> {
    (0..groups.len()).map(|i| format!("search_text = $w{i}")).collect()
}

/// Statements that make `$w0`, `$w1`… once per query, before the SELECT that
/// reads them: each a regex that finds its word at the start of the text,
/// after a space, or after the other class (a word of letters after a digit,
/// "kg" in "5kg"; digits after a letter), as the `class` tokenizer starts words.
fn word_patterns(groups: &[Vec<String>]) -> String {
    (0..groups.len()).map(|i| format!("LET $w{i} = <regex> $p{i};\n")).collect()
}

fn bind_words<'r, C: surrealdb::Connection>(
    mut query: surrealdb::method::Query<'r, C>,
    groups: &[Vec<String>],
) -> surrealdb::method::Query<'r, C> {
    for (i, group) in groups.iter().enumerate() {
        // Words are lowercase letters or digits only (`Asked::from`, the goods
        // table): nothing to escape. A widened word's words are all letters.
        let class = if group[0].starts_with(|c: char| c.is_ascii_digit()) { "0-9" } else { "a-z" };
        query = query.bind((format!("p{i}"), format!("(?:^|[^{class}])(?:{})", group.join("|"))));
    }
    query
}

/// The same test in Rust, for rows already read.
fn starts_a_word(text: &str, word: &str) -> bool {
    let digits = word.starts_with(|c: char| c.is_ascii_digit());
    text.match_indices(word).any(|(i, _)| {
        text[..i].chars().next_back().is_none_or(|c| if digits { !c.is_ascii_digit() } else { !c.is_ascii_lowercase() })
    })
}

/// How many products (of her filters) have every word: counted from the
/// full-text index alone, in a millisecond or two whatever the count.
async fn count(db: &Surreal<Any>, asked: &Asked, within: &str) -> Result<usize, surrealdb::Error> {
    let Some(statement) = asked.count_statement(within) else {
        return Ok(0);
    };
    let count: Option<i64> = db.query(format!("({statement})[0].count")).await?.check()?.take(0)?;
    Ok(usize::try_from(count.unwrap_or(0)).unwrap_or(usize::MAX))
}

/// One page of the directory, giving up after `TIMEOUT`.
pub async fn page(db: &Surreal<Any>, filters: &Filters) -> Result<Page, surrealdb::Error> {
    page_within(db, &Asked::from(filters), TIMEOUT).await
}

/// One page of the directory; each query gives up after `timeout` (see
/// `timed_out`). The cursor is `tier|order` of the last item shown: tier 0
/// for name matches of a ranked search, 1 otherwise; order its `market_all`.
pub async fn page_within(db: &Surreal<Any>, asked: &Asked, timeout: Duration) -> Result<Page, surrealdb::Error> {
    // Nothing she typed is searchable: nothing is found, and no query is made.
    if asked.searched && asked.words.is_empty() {
        return Ok(Page { storefronts: Vec::new(), products: Vec::new(), next: None });
    }
    let within = format!("TIMEOUT {}ms", timeout.as_millis());
    let searched = !asked.words.is_empty();
    let (district, category, after) = (&asked.district, &asked.category, &asked.after);
    let (field, prefix) = match (district, category) {
        (Some(d), Some(c)) => ("market_dc", format!("{d}|{c}|")),
        (Some(d), None) => ("market_d", format!("{d}|")),
        (None, Some(c)) => ("market_c", format!("{c}|")),
        (None, None) => ("market_all", String::new()),
    };
    let mut rows: Option<Vec<(u8, Card)>> = None;
    let groups = asked.groups();
    if let Some(read) = asked.read_statement(&within) {
        let count = count(db, asked, &within).await?;
        if count <= RANKED_AT_MOST {
            // Few enough to read them all and put names first.
            let found: Vec<Card> = if count == 0 { Vec::new() } else { db.query(read).await?.check()?.take(0)? };
            let mut ranked: Vec<(u8, Card)> = found
                .into_iter()
                .map(|r| {
                    let in_name = groups[0].iter().any(|w| starts_a_word(&r.name_search, w));
                    (u8::from(!in_name), r)
                })
                .collect();
            ranked.sort_by_cached_key(|(tier, r)| (*tier, r.order().to_owned()));
            if let Some((tier, key)) = after {
                ranked.retain(|(t, r)| (*t, r.order()) > (*tier, key.as_str()));
            }
            ranked.truncate(PAGE + 1);
            rows = Some(ranked);
        }
    }
    let rows = match rows {
        Some(rows) => rows,
        None => {
            // In order, from the cursor on, each word where the index starts a word.
            let matching: String = word_conditions(&groups).iter().map(|c| format!(" AND {c}")).collect();
            let from = format!("{prefix}{}", after.as_ref().map_or("", |(_, order)| order.as_str()));
            let query = db
                .query(format!(
                    "{}SELECT {CARD} FROM approved_product WHERE {field} > $from AND {field} < $to{matching}
                     ORDER BY {field} LIMIT $limit {within}",
                    word_patterns(&groups)
                ))
                .bind(("from", from))
                .bind(("to", format!("{prefix}~")))
                .bind(("limit", PAGE as i64 + 1));
            let found: Vec<Card> = bind_words(query, &groups).await?.check()?.take(groups.len())?;
            found.into_iter().map(|row| (1, row)).collect()
        }
    };
    // Storefronts that match, on the first page only; each condition only
    // when asked for, so the planner can read an index (name, district, words).
    let shops: Vec<Shop> = if after.is_none() {
        // With a filter, its index and the words checked on what it finds; words alone, the full-text index.
        let filtered = district.is_some() || category.is_some();
        let mut conditions: Vec<String> = [
            district.as_ref().map(|_| "district = $district".to_owned()),
            category.as_ref().map(|_| "category = $category".to_owned()),
            (searched && !filtered).then(|| combinations("search_text", &groups, &[String::new()]).join(" OR ")),
        ]
        .into_iter()
        .flatten()
        .collect();
        let patterns = if filtered {
            conditions.extend(word_conditions(&groups));
            word_patterns(&groups)
        } else {
            String::new()
        };
        let filter = if conditions.is_empty() { String::new() } else { format!("WHERE {}", conditions.join(" AND ")) };
        // A short word matches thousands of storefronts: with words, the first
        // few dozen found are put in order here rather than all in the database.
        let order = if searched { "LIMIT 60" } else { "ORDER BY name LIMIT 6" };
        let query = db
            .query(format!("{patterns}SELECT slug, name, district FROM approved_storefront {filter} {order} {within}"))
            .bind(("district", district.clone()))
            .bind(("category", category.clone()));
        let statement = if filtered { groups.len() } else { 0 };
        let mut shops: Vec<Shop> = bind_words(query, &groups).await?.check()?.take(statement)?;
        shops.sort_by(|a, b| a.name.cmp(&b.name));
        shops.truncate(6);
        shops
    } else {
        Vec::new()
    };
    let more = rows.len() > PAGE;
    let rows: Vec<(u8, Card)> = rows.into_iter().take(PAGE).collect();
    let next = more.then(|| {
        let (tier, last) = rows.last().expect("a full page");
        format!("{tier}|{}", last.order())
    });
    let rows: Vec<Card> = rows.into_iter().map(|(_, r)| r).collect();
    // The first photo of each product listed.
    let records: Vec<String> = rows.iter().map(|r| r.record.clone()).collect();
    let photos: Vec<FirstPhoto> = db
        .query(format!("SELECT item, hash FROM approved_photo WHERE place = 0 AND item IN $records {within}"))
        .bind(("records", records))
        .await?
        .check()?
        .take(0)?;
    let photo_of = |record: &str| photos.iter().find(|p| p.item == record).map(|p| p.hash.clone());
    Ok(Page {
        storefronts: shops.into_iter().map(|r| (r.slug, r.name, r.district)).collect(),
        products: rows
            .into_iter()
            .map(|r| Listed {
                href: format!("/s/{}/{}", r.storefront_slug.unwrap_or_default(), r.slug),
                photo: photo_of(&r.record),
                name: r.name,
                storefront: r.storefront_name.unwrap_or_default(),
                district: r.district.unwrap_or_default(),
                price_som: r.price_som,
            })
            .collect(),
        next,
    })
}

/// A close spelling of her search that finds products (in her filters),
/// for a search that found nothing: each word that names no good put as the
/// nearest good's word (`goods_words::close_spelling`), all of them first,
/// then one at a time, each tried with one count from the index. The words
/// as the search box shows them, the good's word as the table writes it
/// ("qovun murabbo").
pub async fn did_you_mean(
    db: &Surreal<Any>,
    asked: &Asked,
    timeout: Duration,
) -> Result<Option<String>, surrealdb::Error> {
    let within = format!("TIMEOUT {}ms", timeout.as_millis());
    let close: Vec<Option<&'static str>> = asked.words.iter().map(|w| close_spelling(w)).collect();
    let changed: Vec<usize> = (0..close.len()).filter(|&i| close[i].is_some()).collect();
    let mut tries = vec![changed.clone()];
    if changed.len() > 1 {
        tries.extend(changed.iter().map(|&i| vec![i]));
    }
    for changed in tries.into_iter().filter(|t| !t.is_empty()) {
        let words: Vec<&str> = (0..close.len())
            .map(|i| if changed.contains(&i) { close[i].unwrap_or_default() } else { asked.words[i].as_str() })
            .collect();
        let q = words.join(" ");
        let trial = Asked::from(&Filters {
            q: Some(q.clone()),
            district: asked.district.clone(),
            category: asked.category.clone(),
            ..Filters::default()
        });
        if count(db, &trial, &within).await? > 0 {
            return Ok(Some(q));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use app::rules::people::District;
    use app::rules::records::storefront::Category;

    use super::{Asked, Filters, filter_mark, starts_a_word};

    #[test]
    fn each_filter_has_its_own_mark() {
        for (kind, ids) in
            [('d', District::ALL.iter().map(|d| d.id()).collect::<Vec<_>>()), ('c', Category::IDS.to_vec())]
        {
            let mut marks: Vec<String> = ids.iter().map(|id| filter_mark(kind, id)).collect();
            // Four letters: the filtered index holds prefixes from six (migration 0017).
            assert!(
                marks.iter().all(|m| m.len() == 4 && m.starts_with(kind) && m.bytes().all(|b| b.is_ascii_lowercase()))
            );
            marks.sort();
            marks.dedup();
            assert_eq!(marks.len(), ids.len(), "two {kind} ids share a mark");
        }
        // Stored in every approved product's filtered words: the same in every release.
        assert_eq!(filter_mark('d', "chimbay"), "dcnm");
        assert!(include_str!("../../migrations/0017_market_filtered_search.surql").contains("edgengram(6, 24)"));
    }

    fn asked(q: &str) -> Asked {
        Asked::from(&Filters { q: Some(q.to_owned()), ..Default::default() })
    }

    #[test]
    fn query_words_are_cut_as_the_index_cuts_them() {
        assert_eq!(asked("Қарақалпақ  СЫР").words, ["qaraqalpaq", "sir"]);
        assert_eq!(asked("sa7x").words, ["sa"]);
        assert!(asked("sa7x").dropped && !asked("sa7x").cut);
        assert_eq!(asked("5 kg").words, ["kg"]);
        assert_eq!(asked("Chimbay-2026 500g").words, ["chimbay", "2026", "500"]);
        assert_eq!(asked("SA 7x").key(), asked("sa7x").key(), "one spelling, one kept page");
        let nothing = asked("  ,,, s 7 ");
        assert!(nothing.searched && nothing.words.is_empty());
        assert!(!asked("").searched);
        assert_eq!(asked(&"a".repeat(30)).words[0].len(), 20);
    }

    #[test]
    fn a_search_is_bounded_in_characters_and_words() {
        let long = asked(&format!("honey {}", "qurt ".repeat(40)));
        assert_eq!(long.words, ["honey", "qurt"], "the same word once");
        assert!(long.cut, "beyond 100 characters");
        let many = asked("aa bb cc dd ee ff gg hh");
        assert_eq!(many.words.len(), super::QUERY_WORDS);
        assert!(many.cut && !many.dropped);
    }

    #[test]
    fn a_goods_word_is_widened_within_a_bound_of_combinations() {
        let groups = asked("qovun shimbay").groups();
        assert!(groups[0].contains(&"qawin".to_owned()) && groups[0].contains(&"dinya".to_owned()), "{groups:?}");
        assert_eq!(groups[1], ["shimbay"]);
        // The same good named twice is widened once.
        let twice = asked("qovun qawin").groups();
        assert_eq!(twice[1], ["qawin"], "{twice:?}");
        // Three goods of more than four words each: the third is searched as typed.
        let three = asked("qovun murabbo pechenye").groups();
        assert!(three[0].len() * three[1].len() <= super::COMBINATIONS_AT_MOST, "{three:?}");
        assert_eq!(three[2], ["pechenye"], "{three:?}");
        let read = asked("qovun shimbay").read_statement("").unwrap();
        assert!(read.contains("search_text @1@ 'dini shimbay'") && read.contains(" OR "), "{read}");
    }

    #[test]
    fn a_word_starts_where_the_index_starts_one() {
        assert!(starts_a_word("dried melon 5kg", "kg"));
        assert!(starts_a_word("melon 5kg", "5"));
        assert!(starts_a_word("sa7x tea", "sa"));
        assert!(!starts_a_word("musakg", "kg"));
        assert!(!starts_a_word("a25", "5"));
    }
}
