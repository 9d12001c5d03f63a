//! Reads of the public systems index (`public_systems`, one row per certificate): search with
//! filters, sorting and paging; one system; the certificates of one model; systems related to a
//! machine (same model, same board, same vendor family); facets; the export rows.
//!
//! Filters arrive already validated and folded (see [`crate::public::systems`]); this module
//! builds SQL from them with bound parameters only. It must not format answers for clients.

use sqlx::any::AnyRow;

use super::{col, Result, Store, StoreError};

/// A certified system as indexed (one certificate).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicSystemRow {
    pub certificate_id: String,
    pub submission_id: String,
    pub system_id: String,
    pub org_id: String,
    pub organisation: String,
    pub vendor: String,
    pub model: String,
    pub family: Option<String>,
    pub sku: Option<String>,
    pub board: Option<String>,
    pub chassis_type: Option<String>,
    pub category: String,
    pub mxos_release: String,
    pub plan_id: String,
    pub plan_version: String,
    pub issued_at: String,
    pub expires_at: String,
    /// `valid`, `revoked` or `expired` (computed against the time of the query).
    pub status: String,
    pub revoked_at: Option<String>,
    pub device_count: i64,
    pub count_total: i64,
    pub count_pass: i64,
    pub count_fail: i64,
    pub count_skip: i64,
    pub count_error: i64,
    pub count_timeout: i64,
}

/// Which certificates a search includes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusFilter {
    /// Valid and not expired: the certified systems (the default).
    Valid,
    Revoked,
    Expired,
    All,
}

/// How search results are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SystemSort {
    /// Newest certificate first (the default).
    Newest,
    Oldest,
    /// By vendor, then model.
    Vendor,
    /// By model, then vendor.
    Model,
}

/// A validated search over the public systems.
#[derive(Debug, Clone)]
pub struct SystemFilter {
    /// Folded words that must all appear in the searchable text.
    pub terms: Vec<String>,
    /// Folded vendor name.
    pub vendor_key: Option<String>,
    pub category: Option<String>,
    pub release: Option<String>,
    /// Base identities of a device the system must contain (any of them).
    pub device: Option<Vec<String>>,
    pub status: StatusFilter,
    pub sort: SystemSort,
    pub limit: i64,
    pub offset: i64,
    /// The time "expired" is judged against (stored timestamp format).
    pub now: String,
}

/// A SELECT with numbered parameters built as it goes.
#[derive(Debug, Default)]
pub(crate) struct Sql {
    pub text: String,
    binds: Vec<Bind>,
}

#[derive(Debug, Clone)]
enum Bind {
    Text(String),
    Int(i64),
}

impl Sql {
    pub fn new(text: &str) -> Sql {
        Sql {
            text: text.to_owned(),
            binds: Vec::new(),
        }
    }

    /// Appends `sql`, in which every `?` is replaced by the next numbered parameter, bound to
    /// the next of `values`.
    pub fn push(&mut self, sql: &str, values: impl IntoIterator<Item = impl Into<BindValue>>) {
        let mut values = values.into_iter();
        for (i, part) in sql.split('?').enumerate() {
            if i > 0 {
                let v = values.next().map(Into::into).unwrap_or(BindValue::Null);
                self.binds.push(match v {
                    BindValue::Text(s) => Bind::Text(s),
                    BindValue::Int(n) => Bind::Int(n),
                    BindValue::Null => Bind::Text(String::new()),
                });
                self.text.push_str(&format!("${}", self.binds.len()));
            }
            self.text.push_str(part);
        }
    }

    pub fn query(&self) -> sqlx::query::Query<'_, sqlx::Any, sqlx::any::AnyArguments<'_>> {
        let mut q = sqlx::query(&self.text);
        for b in &self.binds {
            q = match b {
                Bind::Text(s) => q.bind(s.as_str()),
                Bind::Int(n) => q.bind(*n),
            };
        }
        q
    }
}

/// A value for [`Sql::push`].
#[derive(Debug, Clone)]
pub(crate) enum BindValue {
    Text(String),
    Int(i64),
    Null,
}

impl From<&str> for BindValue {
    fn from(s: &str) -> BindValue {
        BindValue::Text(s.to_owned())
    }
}

impl From<&String> for BindValue {
    fn from(s: &String) -> BindValue {
        BindValue::Text(s.clone())
    }
}

impl From<String> for BindValue {
    fn from(s: String) -> BindValue {
        BindValue::Text(s)
    }
}

impl From<i64> for BindValue {
    fn from(n: i64) -> BindValue {
        BindValue::Int(n)
    }
}

const NONE: [BindValue; 0] = [];

const COLUMNS: &str = "certificate_id, submission_id, system_id, org_id, organisation, vendor, \
     model, family, sku, board, chassis_type, category, mxos_release, plan_id, plan_version, \
     issued_at, expires_at, status, revoked_at, device_count, count_total, count_pass, count_fail, \
     count_skip, count_error, count_timeout";

fn row(r: &AnyRow, now: &str) -> Result<PublicSystemRow> {
    let status: String = col(r, "status")?;
    let expires_at: String = col(r, "expires_at")?;
    let status = if status == "valid" && expires_at.as_str() <= now {
        "expired".to_owned()
    } else {
        status
    };
    Ok(PublicSystemRow {
        certificate_id: col(r, "certificate_id")?,
        submission_id: col(r, "submission_id")?,
        system_id: col(r, "system_id")?,
        org_id: col(r, "org_id")?,
        organisation: col(r, "organisation")?,
        vendor: col(r, "vendor")?,
        model: col(r, "model")?,
        family: col(r, "family")?,
        sku: col(r, "sku")?,
        board: col(r, "board")?,
        chassis_type: col(r, "chassis_type")?,
        category: col(r, "category")?,
        mxos_release: col(r, "mxos_release")?,
        plan_id: col(r, "plan_id")?,
        plan_version: col(r, "plan_version")?,
        issued_at: col(r, "issued_at")?,
        expires_at,
        status,
        revoked_at: col(r, "revoked_at")?,
        device_count: col(r, "device_count")?,
        count_total: col(r, "count_total")?,
        count_pass: col(r, "count_pass")?,
        count_fail: col(r, "count_fail")?,
        count_skip: col(r, "count_skip")?,
        count_error: col(r, "count_error")?,
        count_timeout: col(r, "count_timeout")?,
    })
}

fn status_clause(sql: &mut Sql, status: StatusFilter, now: &str) {
    match status {
        StatusFilter::Valid => sql.push(" AND status = 'valid' AND expires_at > ?", [now]),
        StatusFilter::Expired => sql.push(" AND status = 'valid' AND expires_at <= ?", [now]),
        StatusFilter::Revoked => sql.push(" AND status = 'revoked'", NONE),
        StatusFilter::All => {}
    }
}

fn where_clause(sql: &mut Sql, f: &SystemFilter) {
    sql.push(" WHERE 1 = 1", NONE);
    status_clause(sql, f.status, &f.now);
    for term in &f.terms {
        sql.push(
            " AND search_text LIKE ? ESCAPE '\\'",
            [crate::public::text::like_contains(term)],
        );
    }
    if let Some(v) = &f.vendor_key {
        sql.push(" AND vendor_key = ?", [v]);
    }
    if let Some(c) = &f.category {
        sql.push(" AND category = ?", [c]);
    }
    if let Some(r) = &f.release {
        sql.push(" AND mxos_release = ?", [r]);
    }
    if let Some(ids) = &f.device {
        let marks = vec!["?"; ids.len()].join(", ");
        sql.push(
            &format!(
                " AND system_id IN (SELECT system_id FROM device_systems \
                 WHERE base_identity IN ({marks}))"
            ),
            ids,
        );
    }
}

/// The shortest word the trigram index can look up.
pub const TRIGRAM: usize = 3;

/// Up to how many candidates from the trigram index a search filters, counts and sorts them all;
/// beyond, it counts from the covering date index and walks it for the page (the words are
/// common, so a page fills quickly). Measured at 10,000 certificates on the 2-core VM: a candidate
/// costs about 5 µs (a primary-key lookup, the row, the window count and the sort), counting
/// from the date index about 2–3 ms, so the index pays off below a few hundred candidates.
const FEW_MATCHES: i64 = 300;

/// An FTS5 query (trigram tokenizer) matching rows whose `search_text` contains every word of
/// `terms` of at least [`TRIGRAM`] characters, or `None` if there is none.
pub fn trigram_match(terms: &[String]) -> Option<String> {
    let parts: Vec<String> = terms
        .iter()
        .filter(|t| t.chars().count() >= TRIGRAM)
        .map(|t| format!("search_text : \"{}\"", t.replace('"', "\"\"")))
        .collect();
    (!parts.is_empty()).then(|| parts.join(" AND "))
}

fn order_by(sql: &mut Sql, sort: SystemSort) {
    sql.text.push_str(match sort {
        SystemSort::Newest => " ORDER BY issued_at DESC, certificate_id DESC",
        SystemSort::Oldest => " ORDER BY issued_at, certificate_id",
        SystemSort::Vendor => " ORDER BY vendor_key, model_key, issued_at DESC, certificate_id",
        SystemSort::Model => " ORDER BY model_key, vendor_key, issued_at DESC, certificate_id",
    });
}

/// A count per value, for search filters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facet {
    pub value: String,
    pub count: i64,
}

impl Store {
    /// One page of certified systems matching `f`, and how many match in all.
    ///
    /// On SQLite, the words of `q` of at least [`TRIGRAM`] characters are first looked up in the
    /// trigram index (`public_systems_search`, see `0006_search.sql`). When they narrow the search
    /// to at most [`FEW_MATCHES`] certificates, one query filters those (with the same `LIKE`s as
    /// without the index), counts and sorts them by their keys, and reads the rows of the page
    /// only: neither all certificates nor the matches are read twice. Otherwise (common words, short
    /// words only, no `q`) the certificates are counted from the covering date index, then a page
    /// is read in its order, which stops after its rows. On PostgreSQL the `LIKE`s use the
    /// `pg_trgm` index when the planner finds it worth it.
    pub async fn search_public_systems(
        &self,
        f: &SystemFilter,
    ) -> Result<(Vec<PublicSystemRow>, i64)> {
        if let Some(expr) = self.few_text_matches(&f.terms).await? {
            let Some(expr) = expr else {
                return Ok((Vec::new(), 0));
            };
            // Count and sort the candidates by their keys only, then read the page's rows.
            let mut page = Sql::new(&format!(
                "SELECT {COLUMNS}, p.matches FROM (SELECT certificate_id AS page_id, \
                 count(*) OVER () AS matches FROM public_systems"
            ));
            where_clause(&mut page, f);
            page.push(
                " AND certificate_id IN (SELECT certificate_id FROM public_systems_search \
                 WHERE public_systems_search MATCH ?)",
                [expr.as_str()],
            );
            order_by(&mut page, f.sort);
            page.push(" LIMIT ? OFFSET ?", [f.limit, f.offset]);
            page.push(
                ") p JOIN public_systems ON public_systems.certificate_id = p.page_id",
                NONE,
            );
            order_by(&mut page, f.sort);
            let rows = page.query().fetch_all(self.pool()).await?;
            if let Some(first) = rows.first() {
                let total: i64 = col(first, "matches")?;
                let items = rows.iter().map(|r| row(r, &f.now)).collect::<Result<_>>()?;
                return Ok((items, total));
            }
            if f.offset == 0 {
                return Ok((Vec::new(), 0));
            }
            // A page past the end: count the matches the page did not show.
            let mut count = Sql::new("SELECT count(*) AS n FROM public_systems");
            where_clause(&mut count, f);
            count.push(
                " AND certificate_id IN (SELECT certificate_id FROM public_systems_search \
                 WHERE public_systems_search MATCH ?)",
                [expr.as_str()],
            );
            let total: i64 = col(&count.query().fetch_one(self.pool()).await?, "n")?;
            return Ok((Vec::new(), total));
        }
        let mut count = Sql::new("SELECT count(*) AS n FROM public_systems");
        where_clause(&mut count, f);
        let total: i64 = col(&count.query().fetch_one(self.pool()).await?, "n")?;
        if total == 0 || f.offset >= total {
            return Ok((Vec::new(), total));
        }
        let mut page = Sql::new(&format!("SELECT {COLUMNS} FROM public_systems"));
        where_clause(&mut page, f);
        order_by(&mut page, f.sort);
        page.push(" LIMIT ? OFFSET ?", [f.limit, f.offset]);
        let rows = page.query().fetch_all(self.pool()).await?;
        let items = rows.iter().map(|r| row(r, &f.now)).collect::<Result<_>>()?;
        Ok((items, total))
    }

    /// On SQLite, when `terms` has words the trigram index can look up: `Some(None)` if no
    /// certificate contains them all, `Some(Some(match expression))` if at most [`FEW_MATCHES`]
    /// do. `None` otherwise (no such word, too many candidates, or PostgreSQL).
    async fn few_text_matches(&self, terms: &[String]) -> Result<Option<Option<String>>> {
        if self.backend_name() != "sqlite" {
            return Ok(None);
        }
        let Some(expr) = trigram_match(terms) else {
            return Ok(None);
        };
        let n: i64 = col(
            &sqlx::query(
                "SELECT count(*) AS n FROM (SELECT 1 FROM public_systems_search \
                 WHERE public_systems_search MATCH $1 LIMIT $2)",
            )
            .bind(expr.as_str())
            .bind(FEW_MATCHES + 1)
            .fetch_one(self.pool())
            .await?,
            "n",
        )?;
        Ok(match n {
            0 => Some(None),
            n if n <= FEW_MATCHES => Some(Some(expr)),
            _ => None,
        })
    }

    /// One certified system by certificate id.
    pub async fn public_system(&self, certificate_id: &str, now: &str) -> Result<PublicSystemRow> {
        let r = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM public_systems WHERE certificate_id = $1"
        ))
        .bind(certificate_id)
        .fetch_optional(self.pool())
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("certified system {certificate_id}")))?;
        row(&r, now)
    }

    /// Every certificate of one system model, newest first, whatever its status.
    pub async fn model_certificates(
        &self,
        system_id: &str,
        now: &str,
    ) -> Result<Vec<PublicSystemRow>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM public_systems WHERE system_id = $1 \
             ORDER BY issued_at DESC, certificate_id DESC LIMIT 100"
        ))
        .bind(system_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(|r| row(r, now)).collect()
    }

    /// Currently valid certificates of systems related to a machine by `relation`: `model`
    /// (same folded vendor and model), `board` (same folded board name) or `family` (same folded
    /// vendor and family). Empty keys match nothing.
    pub async fn related_public_systems(
        &self,
        relation: Relation<'_>,
        now: &str,
        limit: i64,
    ) -> Result<Vec<PublicSystemRow>> {
        let mut sql = Sql::new(&format!("SELECT {COLUMNS} FROM public_systems WHERE 1 = 1"));
        status_clause(&mut sql, StatusFilter::Valid, now);
        match relation {
            Relation::Model { vendor, model } => {
                sql.push(" AND vendor_key = ? AND model_key = ?", [vendor, model]);
            }
            Relation::Board(board) => sql.push(" AND board_key = ?", [board]),
            Relation::Family { vendor, family } => {
                sql.push(" AND vendor_key = ? AND family_key = ?", [vendor, family]);
            }
        }
        if relation.is_empty() {
            return Ok(Vec::new());
        }
        sql.push(
            " ORDER BY issued_at DESC, certificate_id DESC LIMIT ?",
            [limit],
        );
        let rows = sql.query().fetch_all(self.pool()).await?;
        rows.iter().map(|r| row(r, now)).collect()
    }

    /// Every currently valid certificate, by vendor and model: the open-data export.
    pub async fn all_certified_systems(&self, now: &str) -> Result<Vec<PublicSystemRow>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM public_systems WHERE status = 'valid' AND expires_at > $1 \
             ORDER BY vendor_key, model_key, issued_at, certificate_id"
        ))
        .bind(now)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(|r| row(r, now)).collect()
    }

    /// How many currently valid certificates there are per vendor (folded; shown as one of its
    /// spellings), category and release.
    pub async fn public_system_facets(
        &self,
        now: &str,
    ) -> Result<(Vec<Facet>, Vec<Facet>, Vec<Facet>)> {
        // (what to show, what to group by)
        let facet = |shown: &'static str, key: &'static str| {
            let sql = format!(
                "SELECT min({shown}) AS value, count(*) AS n FROM public_systems \
                 WHERE status = 'valid' AND expires_at > $1 GROUP BY {key} ORDER BY {key}"
            );
            async move {
                let rows = sqlx::query(&sql).bind(now).fetch_all(self.pool()).await?;
                rows.iter()
                    .map(|r| {
                        Ok(Facet {
                            value: col(r, "value")?,
                            count: col(r, "n")?,
                        })
                    })
                    .collect::<Result<Vec<_>>>()
            }
        };
        Ok((
            facet("vendor", "vendor_key").await?,
            facet("category", "category").await?,
            facet("mxos_release", "mxos_release").await?,
        ))
    }
}

pub use mxcert_core::check::Relation;
