-- mxcert-registry schema v6 (PostgreSQL): a text index for `GET /api/v1/systems?q=`. Keep in step
-- with ../sqlite/0006_search.sql.
--
-- `q` matches every folded word anywhere in `public_systems.search_text` with
-- `search_text LIKE '%word%'`; a pg_trgm GIN index answers such a `LIKE` from the trigrams of words
-- of three or more characters (the planner still scans for shorter ones or very common words).
-- pg_trgm is in postgresql-contrib and is a trusted extension (PostgreSQL 13+): a database owner
-- may create it. It is created in `public` (not in the schema of this registry, which may be one
-- of several in the database and may be dropped) and its operator class is named with its schema.
-- Registries migrating side by side in one database (the tests do) take turns creating it.
SELECT pg_advisory_xact_lock(6006);
CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;
CREATE INDEX public_systems_search
    ON public_systems USING gin (search_text public.gin_trgm_ops);
