//! Organisations and their members.

use serde_json::json;
use sqlx::any::AnyRow;

use super::audit::{record, Subject};
use super::{col, new_id, now, ts, Actor, Member, Organisation, Result, Role, Store, StoreError};

fn organisation(row: &AnyRow) -> Result<Organisation> {
    Ok(Organisation {
        id: col(row, "id")?,
        name: col(row, "name")?,
        slug: col(row, "slug")?,
        created_at: col(row, "created_at")?,
        disabled_at: col(row, "disabled_at")?,
    })
}

fn member(row: &AnyRow) -> Result<Member> {
    let role: String = col(row, "role")?;
    Ok(Member {
        id: col(row, "id")?,
        org_id: col(row, "org_id")?,
        name: col(row, "name")?,
        email: col(row, "email")?,
        role: Role::parse(&role).ok_or_else(|| StoreError::Corrupt(format!("role {role:?}")))?,
        created_at: col(row, "created_at")?,
        disabled_at: col(row, "disabled_at")?,
    })
}

/// A URL-safe name: lowercase ASCII letters and digits separated by single dashes.
pub fn slugify(name: &str) -> String {
    let mut slug = String::new();
    for c in name.chars() {
        let c = match c {
            'á' | 'à' | 'ä' | 'â' | 'Á' => 'a',
            'é' | 'è' | 'ë' | 'ê' | 'É' => 'e',
            'í' | 'ì' | 'ï' | 'î' | 'Í' => 'i',
            'ó' | 'ò' | 'ö' | 'ô' | 'Ó' => 'o',
            'ú' | 'ù' | 'ü' | 'û' | 'Ú' => 'u',
            'ñ' | 'Ñ' => 'n',
            c => c.to_ascii_lowercase(),
        };
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-').to_owned();
    if slug.is_empty() {
        "org".to_owned()
    } else {
        slug
    }
}

impl Store {
    /// Creates an organisation; its slug is made unique by a numeric suffix when needed.
    pub async fn create_org(&self, name: &str, actor: &Actor) -> Result<Organisation> {
        let mut tx = self.begin_write().await?;
        let base = slugify(name);
        let mut slug = base.clone();
        let mut n = 1;
        while sqlx::query("SELECT 1 AS one FROM organisations WHERE slug = $1")
            .bind(&slug)
            .fetch_optional(&mut *tx.tx)
            .await?
            .is_some()
        {
            n += 1;
            slug = format!("{base}-{n}");
        }
        let org = Organisation {
            id: new_id(),
            name: name.to_owned(),
            slug,
            created_at: ts(now()),
            disabled_at: None,
        };
        sqlx::query(
            "INSERT INTO organisations (id, name, slug, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(&org.id)
        .bind(&org.name)
        .bind(&org.slug)
        .bind(&org.created_at)
        .execute(&mut *tx.tx)
        .await?;
        record(
            &mut tx,
            actor,
            "organisation.create",
            Subject {
                kind: "organisation",
                id: &org.id,
                org_id: Some(&org.id),
            },
            json!({ "name": org.name, "slug": org.slug }),
        )
        .await?;
        tx.commit().await?;
        Ok(org)
    }

    pub async fn get_org(&self, id: &str) -> Result<Organisation> {
        let row = sqlx::query("SELECT * FROM organisations WHERE id = $1 OR slug = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("organisation {id}")))?;
        organisation(&row)
    }

    pub async fn list_orgs(&self) -> Result<Vec<Organisation>> {
        let rows = sqlx::query("SELECT * FROM organisations ORDER BY name, id")
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(organisation).collect()
    }

    /// Adds a member (a person) to an organisation.
    pub async fn add_member(
        &self,
        org_id: &str,
        name: &str,
        email: Option<&str>,
        role: Role,
        actor: &Actor,
    ) -> Result<Member> {
        let org = self.get_org(org_id).await?;
        let mut tx = self.begin_write().await?;
        let m = Member {
            id: new_id(),
            org_id: org.id.clone(),
            name: name.to_owned(),
            email: email.map(str::to_owned),
            role,
            created_at: ts(now()),
            disabled_at: None,
        };
        sqlx::query(
            "INSERT INTO members (id, org_id, name, email, role, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&m.id)
        .bind(&m.org_id)
        .bind(&m.name)
        .bind(m.email.as_deref())
        .bind(m.role.as_str())
        .bind(&m.created_at)
        .execute(&mut *tx.tx)
        .await?;
        record(
            &mut tx,
            actor,
            "member.add",
            Subject {
                kind: "member",
                id: &m.id,
                org_id: Some(&m.org_id),
            },
            json!({ "name": m.name, "role": m.role }),
        )
        .await?;
        tx.commit().await?;
        Ok(m)
    }

    pub async fn get_member(&self, id: &str) -> Result<Member> {
        let row = sqlx::query("SELECT * FROM members WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("member {id}")))?;
        member(&row)
    }

    pub async fn list_members(&self, org_id: &str) -> Result<Vec<Member>> {
        let rows = sqlx::query("SELECT * FROM members WHERE org_id = $1 ORDER BY created_at, id")
            .bind(org_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(member).collect()
    }

    /// Disables a member and revokes every token issued to them.
    pub async fn disable_member(&self, id: &str, actor: &Actor) -> Result<Member> {
        let m = self.get_member(id).await?;
        if m.disabled_at.is_some() {
            return Err(StoreError::InvalidState(format!(
                "member {id} is already disabled"
            )));
        }
        let mut tx = self.begin_write().await?;
        let at = ts(now());
        sqlx::query("UPDATE members SET disabled_at = $1 WHERE id = $2")
            .bind(&at)
            .bind(id)
            .execute(&mut *tx.tx)
            .await?;
        sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 WHERE member_id = $2 AND revoked_at IS NULL",
        )
        .bind(&at)
        .bind(id)
        .execute(&mut *tx.tx)
        .await?;
        record(
            &mut tx,
            actor,
            "member.disable",
            Subject {
                kind: "member",
                id,
                org_id: Some(&m.org_id),
            },
            json!({}),
        )
        .await?;
        tx.commit().await?;
        self.get_member(id).await
    }
}

#[cfg(test)]
mod tests {
    use super::slugify;

    #[test]
    fn slugs_are_ascii_and_dashed() {
        assert_eq!(
            slugify("Cómputo Día, S.A. de C.V."),
            "computo-dia-s-a-de-c-v"
        );
        assert_eq!(slugify("  "), "org");
        assert_eq!(slugify("<script>"), "script");
    }
}
